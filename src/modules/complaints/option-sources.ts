import type { Locale } from '../../flows/flow-schema.js';
import type { MachineEnv } from '../../flows/machine.js';
import type { Queryable } from '../../kernel/db/db.js';
import { DEFAULT_CATEGORIES } from './categories.js';
import { compoundCategories } from './repository-settings.js';

/**
 * What an ask step looks up in the conversation's compound, for live conversations and the
 * simulator alike: the complaint categories in force (the address register is the units module's).
 */
export function compoundLookups(
  q: Queryable,
  orgId: number | null,
  locale: Locale,
): Pick<MachineEnv, 'dynamicOptions'> {
  return {
    dynamicOptions: async () => {
      const categories = (orgId === null ? null : await compoundCategories(q, orgId)) ?? DEFAULT_CATEGORIES;
      return categories.map((c) => ({ value: c.code, label: locale === 'en' ? c.en : c.zh }));
    },
  };
}
