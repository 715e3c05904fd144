import { engineTexts } from '../../flows/engine-texts.js';
import type { Locale } from '../../flows/flow-schema.js';
import type { MachineEnv } from '../../flows/machine.js';
import type { Queryable } from '../../kernel/db/db.js';
import { categoriesFor } from './categories.js';
import { compoundHasUnits, compoundOf, findUnit } from './repository.js';

/**
 * What an ask step looks up in the conversation's compound, for live conversations and the
 * simulator alike: the complaint categories in force, and whether an address is in the register
 * (a compound with no register yet accepts any well-formed address).
 */
export function compoundLookups(
  q: Queryable,
  orgId: number | null,
  locale: Locale,
): Pick<MachineEnv, 'dynamicOptions' | 'checkLocation'> {
  return {
    dynamicOptions: async () => {
      const compound = await compoundOf(q, orgId);
      const categories = await categoriesFor(q, compound?.id ?? orgId);
      return categories.map((c) => ({ value: c.code, label: locale === 'en' ? c.en : c.zh }));
    },
    checkLocation: async (loc) => {
      const compound = await compoundOf(q, orgId);
      if (!compound || !(await compoundHasUnits(q, compound.id))) return null;
      return (await findUnit(q, compound.id, loc)) ? null : engineTexts(locale).reasons.unknownLocation;
    },
  };
}
