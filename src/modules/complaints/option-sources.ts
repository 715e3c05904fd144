import type { Locale } from '../../flows/flow-schema.js';
import type { ConversationOrg, MachineEnv } from '../../flows/machine.js';
import { categoriesOn } from './categories.js';

/**
 * What an ask step looks up in the conversation's compound, for live conversations and the
 * simulator alike: the complaint categories in force (the address register is the units module's).
 */
export function compoundLookups(org: ConversationOrg, locale: Locale): Pick<MachineEnv, 'dynamicOptions'> {
  return {
    dynamicOptions: async () => {
      const categories = categoriesOn(await org.chain());
      return categories.map((c) => ({ value: c.code, label: locale === 'en' ? c.en : c.zh }));
    },
  };
}
