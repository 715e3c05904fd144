import type { Locale } from '../../flows/flow-schema.js';
import type { ConversationOrg, MachineEnv } from '../../flows/machine.js';
import { compoundIn } from '../../kernel/access/org-chain.js';
import type { Queryable } from '../../kernel/db/db.js';
import { checkAddress } from './address-match.js';

/**
 * What a conversation's location step looks up: the address in the register of the conversation's
 * compound (outside a compound, any well-formed address).
 */
export function addressLookups(
  q: Queryable,
  org: ConversationOrg,
  locale: Locale,
): Pick<MachineEnv, 'checkLocation'> {
  return {
    checkLocation: async (loc) => {
      const compound = compoundIn(await org.chain());
      if (!compound) return { ok: true, location: loc };
      return checkAddress(q, compound.id, loc, locale);
    },
  };
}
