import { recordAudit } from '../../../kernel/access/audit.js';
import { type AppError, badRequest, conflict, notFound } from '../../../kernel/access/errors.js';
import { outOfScope, requirePerson } from '../../../kernel/access/in-scope.js';
import { type Actor, assertWriter, canSee } from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import { checkScores } from '../criteria.js';
import {
  findCampaign,
  hasResidentUnit,
  insertResponse,
  openCampaignAt,
  openCampaignOfResident,
  residentUnitsIn,
  shareCampaign,
  targetCompoundOf,
  unitForCampaign,
} from '../repository.js';
import type { CampaignRow, EvaluationDeps, Refusal } from '../schema.js';

/**
 * Responses to a campaign: one per unit, the first one counts. Entered over the API (paper forms)
 * or in a chat (the `evaluation` flow's actions find the campaign and unit with `forResident`,
 * then `record` inside the conversation's transaction).
 */

/** A response entered over the API (a paper form collected door to door): 400/409 on any problem. */
export async function respondOnPaper(
  d: EvaluationDeps,
  actor: Actor,
  id: number,
  body: {
    unitId: number;
    personId?: number | null;
    scores: Record<string, unknown>;
    comment?: string | null;
  },
) {
  const c = await findCampaign(d.db, id);
  if (!c) throw notFound('evaluation', id);
  const found = await unitForCampaign(d.db, body.unitId, id);
  const unit = found && canSee(actor.principal, found.path.map(Number)) ? found : null;
  // the campaign's scope, or a compound of the campaign (its staff enter their paper forms)
  const campaignOrg = await findOrg(d.db, c.org_id);
  if (!canSee(actor.principal, campaignOrg!.path) && !unit?.in_campaign) throw notFound('evaluation', id);
  // a unit outside the token's subtree is answered like one that does not exist
  if (!unit) throw outOfScope('unit', body.unitId, 'unitId');
  assertWriter(actor.principal);
  if (body.personId) await requirePerson(d.db, actor.principal, body.personId, { field: 'personId' });
  const scores = checkScores(c.criteria, body.scores);
  const result = await d.db.transaction(async (tx) => {
    const r = await recordResponse(d, tx, {
      campaignId: id,
      unitId: body.unitId,
      personId: body.personId ?? null,
      scores,
      comment: body.comment ?? null,
      channel: 'api',
    });
    if (r.ok)
      await recordAudit(tx, actor, {
        action: 'evaluation.paper_response',
        objectType: 'evaluation',
        objectId: id,
        orgId: unit.compound_id,
        after: { responseId: r.id, unitId: body.unitId, scores },
      });
    return r;
  });
  if (!result.ok) throw refusalError(result.refusal);
  return { id: result.id, campaignId: id, unitId: body.unitId, scores };
}

/** One unit's response, as recorded (`recordResponse`). */
export interface ResponseInput {
  campaignId: number;
  unitId: number;
  personId: number | null;
  scores: Record<string, number>;
  comment: string | null;
  channel: string;
}

/**
 * Records one unit's response inside the caller's transaction, if the campaign is open and the
 * unit is in it and has not answered yet. Holds the campaign row FOR SHARE, so a closing (FOR
 * UPDATE) waits for it, and a response never lands after the close committed.
 */
export async function recordResponse(
  d: EvaluationDeps,
  tx: Queryable,
  r: ResponseInput,
): Promise<{ ok: true; id: number } | { ok: false; refusal: Refusal }> {
  const campaign = await shareCampaign(tx, r.campaignId);
  const refusal = campaignRefusal(campaign, d.now());
  if (refusal) return { ok: false, refusal };
  const compoundId = await targetCompoundOf(tx, r.campaignId, r.unitId);
  if (compoundId === null) return { ok: false, refusal: 'not_in_scope' };
  const id = await insertResponse(tx, { ...r, compoundId });
  if (id === null) return { ok: false, refusal: 'duplicate' };
  return { ok: true, id };
}

// -------------------------------------------------------------------------------------------------
// chat: which campaign and which unit a resident answers for

/**
 * The campaign a resident answers (the one named, else the open one of their compounds opened
 * last) and the unit they answer for: their first unit (owned, or lived in and approved) inside
 * the campaign that has not answered yet.
 */
export async function campaignForResident(
  d: EvaluationDeps,
  q: Queryable,
  personId: number,
  campaignId: number | null,
  /** the org of the chat the resident speaks in: tells "register first" from "nothing running" */
  chatOrgId: number | null = null,
): Promise<
  | { ok: true; campaign: CampaignRow; unit: { id: number; label: string; compound: string } }
  | { ok: false; refusal: Refusal | 'no_campaign' | 'no_unit'; unitLabel?: string }
> {
  const campaign =
    campaignId !== null ? await findCampaign(q, campaignId) : await openCampaignOfResident(q, personId);
  // a campaign runs where they speak, but they have no unit there
  if (!campaign && chatOrgId !== null && (await openCampaignAt(q, chatOrgId)))
    return { ok: false, refusal: 'no_unit' };
  if (!campaign) return { ok: false, refusal: 'no_campaign' };
  const refusal = campaignRefusal(campaign, d.now());
  if (refusal) return { ok: false, refusal };
  const rows = await residentUnitsIn(q, personId, campaign.id);
  const first = rows[0];
  if (!first)
    return { ok: false, refusal: (await hasResidentUnit(q, personId)) ? 'not_in_scope' : 'no_unit' };
  if (first.answered) return { ok: false, refusal: 'duplicate', unitLabel: first.label };
  return { ok: true, campaign, unit: { id: first.id, label: first.label, compound: first.compound } };
}

function campaignRefusal(c: CampaignRow | null | undefined, now: Date): Refusal | null {
  if (!c) return 'closed';
  if (c.status === 'cancelled') return 'cancelled';
  if (c.status === 'closed' || (c.status === 'open' && c.closes_at <= now)) return 'closed';
  if (c.status === 'scheduled') return 'not_open';
  return null;
}

function refusalError(r: Refusal): AppError {
  switch (r) {
    case 'duplicate':
      return conflict('This unit has already answered this campaign (one response per unit)', [
        { field: 'unitId', message: 'already answered' },
      ]);
    case 'not_in_scope':
      return badRequest('The unit is not in a compound of this campaign', [
        { field: 'unitId', message: 'not in the campaign' },
      ]);
    default:
      return conflict(`The campaign is ${r === 'not_open' ? 'not open yet' : r}: nothing recorded`, [
        { field: 'status', message: r },
      ]);
  }
}
