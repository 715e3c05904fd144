import type { Db } from '../../kernel/db/db.js';
import { nextInTurn, onDuty } from './duty-roster.js';
import { HANDLER_ROLES, isOpen } from './lifecycle.js';
import {
  type ComplaintRow,
  findComplaintForUpdate,
  insertComplaintEvent,
  updateComplaint,
} from './repository.js';
import { oweNotice } from './repository-owed-notices.js';
import { lockRoster, roleHoldersAt, setLastTurn } from './repository-roster.js';

/** The timeline's actor of an assignment by turn. */
export const ROUND_ROBIN_ACTOR = 'round_robin';

/**
 * Dispatch mode round_robin: a complaint that arrives at a level with nobody assigned goes to the
 * next of the level org's handlers on duty (its roster, in the roster's time zone) — the holders of
 * `firstRole` when one of them is on duty, else of any handler role — after whoever had the last
 * turn, in one transaction with the roster's row locked, so concurrent arrivals take turns. Null
 * (and nothing written) when the org has no roster, nobody eligible is on duty, or the complaint
 * changed meanwhile: then the level's handlers all hear of it, as under `assign`.
 */
export async function assignByTurn(
  db: Db,
  c: ComplaintRow,
  firstRole: string | null,
  at: Date,
): Promise<ComplaintRow | null> {
  return db.transaction(async (tx) => {
    const row = await findComplaintForUpdate(tx, c.id);
    if (!row || row.version !== c.version || row.assignee_id !== null || !isOpen(row.status)) return null;
    const roster = await lockRoster(tx, row.level_org_id);
    if (!roster) return null;
    const duty = onDuty(roster.roster, at);
    const among = async (roles: readonly string[]) => {
      const holders = new Set(await roleHoldersAt(tx, row.level_org_id, roles));
      return duty.filter((id) => holders.has(id));
    };
    let eligible = firstRole ? await among([firstRole]) : [];
    if (eligible.length === 0) eligible = await among(HANDLER_ROLES);
    const pick = nextInTurn(eligible, roster.last_person_id);
    if (pick === null) return null;
    await setLastTurn(tx, row.level_org_id, pick);
    const updated = await updateComplaint(tx, row, { assignee_id: pick, assigned_role: null });
    await insertComplaintEvent(tx, {
      complaintId: row.id,
      personId: null,
      label: ROUND_ROBIN_ACTOR,
      tokenId: null,
      type: 'assign',
      from: row.status,
      to: row.status,
      levelOrgId: row.level_org_id,
      note: null,
      photos: [],
      move: { assigneeId: pick, priorAssigneeId: null, role: null },
    });
    // the turn owes its 【分派给您】 (sent by the notifier right after, or by the reconciler after a crash)
    await oweNotice(tx, updated.id, updated.version);
    return updated;
  });
}
