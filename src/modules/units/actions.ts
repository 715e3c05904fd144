import { z } from 'zod';
import type { ActionRegistry } from '../../flows/actions.js';
import { locationText } from '../../flows/answers.js';
import { compoundIn } from '../../kernel/access/org-chain.js';
import { insertRole } from '../people/index.js';
import { unitForClaim } from './address-match.js';
import type { ClaimService } from './claims.js';
import { findClaim } from './repository-claims.js';
import { requiresResidentApproval, upsertUnitResident } from './repository-residents.js';

const location = z.object({
  building: z.string(),
  unit: z.string(),
  room: z.string(),
  unitId: z.number().int().positive().optional(),
});

/**
 * The registration flow's `register_resident`: a claim on a unit of the register, approved at once
 * or (where the compound asks for approval: the default) sent to its committee members and grid
 * workers (ClaimService).
 */
export function registerUnitActions(registry: ActionRegistry, claims: ClaimService): ActionRegistry {
  return registry.register({
    name: 'register_resident',
    description:
      'Ties the person to a unit of the compound; pending until approved when the compound sets requireResidentApproval',
    input: z.object({ location }),
    async run(input, ctx) {
      const compound = compoundIn(await ctx.orgChain());
      if (!compound || ctx.personId === null) {
        return {
          ok: false,
          message: {
            'zh-CN': '请在小区居民群里登记。',
            en: "Please register from your compound's residents' group.",
          },
        };
      }
      // the flow's location step already matched the register; this checks again (the register
      // may have changed since, and an admin's flow may feed any address here)
      const unit = await unitForClaim(ctx.tx, compound.id, input.location);
      if (!unit) {
        return {
          ok: false,
          message: {
            'zh-CN': '小区登记册里没有这个房号，请联系网格员。',
            en: 'That unit is not in the register; please contact your grid worker.',
          },
        };
      }
      const status = (await requiresResidentApproval(ctx.tx, compound.id)) ? 'pending' : 'approved';
      const address = locationText(input.location);
      if (ctx.dryRun) return { ok: true, output: { status, address } };
      const claim = await upsertUnitResident(ctx.tx, {
        unitId: unit.id,
        personId: ctx.personId,
        status,
        decidedAt: status === 'approved' ? new Date() : null,
      });
      // a person approved at the unit before stays approved (the claim was not made again)
      if (claim.status === 'approved') {
        await insertRole(ctx.tx, ctx.personId, compound.id, 'resident');
        return { ok: true, output: { status: 'approved', pending: false, address } };
      }
      const sent = await claims.notices.claimed(ctx.tx, (await findClaim(ctx.tx, claim.id))!);
      ctx.afterCommit(sent.after);
      return {
        ok: true,
        output: { status, pending: true, address, claimId: claim.id, reviewers: sent.reached },
      };
    },
  });
}
