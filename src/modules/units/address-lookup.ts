import type { Locale } from '../../flows/flow-schema.js';
import type { MachineEnv } from '../../flows/machine.js';
import type { Queryable } from '../../kernel/db/db.js';
import { compoundOf } from '../orgs/index.js';
import { checkAddress } from './address-match.js';

/**
 * What a conversation's location step looks up: the address in the register of the conversation's
 * compound (outside a compound, any well-formed address).
 */
export function addressLookups(
  q: Queryable,
  orgId: number | null,
  locale: Locale,
): Pick<MachineEnv, 'checkLocation'> {
  return {
    checkLocation: async (loc) => {
      const compound = await compoundOf(q, orgId);
      if (!compound) return { ok: true, location: loc };
      return checkAddress(q, compound.id, loc, locale);
    },
  };
}
