import { recordAudit } from '../../kernel/access/audit.js';
import { AppError, conflict, type ErrorDetail } from '../../kernel/access/errors.js';
import type { Actor } from '../../kernel/access/principal.js';
import type { Queryable } from '../../kernel/db/db.js';

/**
 * Merging two people into one: `from` (typically the person the dispatcher created for a chat
 * account) is absorbed into `keep` (typically the owner the register names). Everything that names
 * `from` — identities, roles, unit ownerships and residencies, complaints and their events, vote
 * electorates and ballots, evaluation answers, party records, reminder audiences and receipts,
 * conversations, deliveries — is moved to `keep` in the caller's transaction.
 *
 * History: the absorbed row is not deleted. It stays with `merged_into = keep` (and no identity,
 * role or ownership left), because append-only records name it and must keep resolving — the
 * hash-chained ballot log (`entry.person`, hashes of secret voters), the audit log's object ids,
 * old deliveries. One audit entry `person.merge` records both ids and what moved.
 *
 * Conflicts (409, nothing written, every one named in `details`): both hold the same office at the
 * same org (the derived roles `resident` and `owner` are the same fact twice and are deduplicated);
 * both own the same unit; both are in the electorate of the same proposal (a ballot each, or one
 * ballot and a second vote that would count the unit twice); both report to the same compound as
 * party members; both are on the same party task. Either person already merged is a conflict too.
 */
export interface MergeOutcome {
  keep: number;
  from: number;
  moved: Record<string, number>;
}

/** Roles that are facts derived elsewhere (the group, the register): held twice, they are one. */
const DERIVED_ROLES = ['resident', 'owner'];

export async function mergePeople(
  tx: Queryable,
  actor: Actor,
  keep: number,
  from: number,
  orgId: number | null,
): Promise<MergeOutcome> {
  if (keep === from)
    throw new AppError(400, 'validation_failed', 'A person cannot be merged into itself', [
      { field: 'from', message: 'same person as id' },
    ]);
  // both rows locked, in id order (two merges of the same pair never deadlock)
  const { rows: people } = await tx.query<{ id: number; merged_into: number | null }>(
    'SELECT id, merged_into FROM linli.people WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE',
    [[keep, from]],
  );
  const already = people.filter((p) => p.merged_into !== null);
  if (already.length > 0) {
    throw conflict(
      `Person ${already.map((p) => `${p.id} was merged into ${p.merged_into}`).join('; ')}: merge into that person instead`,
      already.map((p) => ({
        field: p.id === keep ? 'id' : 'from',
        message: `already merged into person ${p.merged_into}`,
      })),
    );
  }
  const problems = await conflictsOf(tx, keep, from);
  if (problems.length > 0) {
    throw conflict(
      `Persons ${keep} and ${from} cannot be merged: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
  }

  const moved: Record<string, number> = {};
  const run = async (label: string, sql: string) => {
    const r = await tx.query(sql, [keep, from]);
    const n = r.rowCount ?? 0;
    if (n > 0) moved[label] = (moved[label] ?? 0) + n;
  };
  await run('identities', 'UPDATE linli.identities SET person_id = $1 WHERE person_id = $2');
  // derived roles held by both: the absorbed copy goes
  await run(
    'rolesDeduplicated',
    `DELETE FROM linli.role_assignments f WHERE f.person_id = $2 AND EXISTS (
       SELECT 1 FROM linli.role_assignments k WHERE k.person_id = $1 AND k.org_id = f.org_id AND k.role = f.role)`,
  );
  await run('roles', 'UPDATE linli.role_assignments SET person_id = $1 WHERE person_id = $2');
  await run('unitOwners', 'UPDATE linli.unit_owners SET person_id = $1 WHERE person_id = $2');
  // a residency registered twice for one unit: the kept person's registration stands
  await run(
    'unitResidentsDeduplicated',
    `DELETE FROM linli.unit_residents f WHERE f.person_id = $2 AND EXISTS (
       SELECT 1 FROM linli.unit_residents k WHERE k.person_id = $1 AND k.unit_id = f.unit_id)`,
  );
  await run('unitResidents', 'UPDATE linli.unit_residents SET person_id = $1 WHERE person_id = $2');
  await run(
    'claimDecisions',
    'UPDATE linli.unit_residents SET decided_by_person_id = $1 WHERE decided_by_person_id = $2',
  );
  await run('complaints', 'UPDATE linli.complaints SET reporter_id = $1 WHERE reporter_id = $2');
  await run('complaints', 'UPDATE linli.complaints SET assignee_id = $1 WHERE assignee_id = $2');
  await run(
    'complaintEvents',
    'UPDATE linli.complaint_events SET actor_person_id = $1 WHERE actor_person_id = $2',
  );
  // ballots reference the electorate row: a copy for `keep`, the ballots moved, the old row dropped
  await run(
    'electorate',
    `INSERT INTO linli.proposal_electorate (proposal_id, person_id, area, unit_ids)
     SELECT proposal_id, $1, area, unit_ids FROM linli.proposal_electorate WHERE person_id = $2`,
  );
  await run('ballots', 'UPDATE linli.ballots SET person_id = $1 WHERE person_id = $2');
  await tx.query('DELETE FROM linli.proposal_electorate WHERE person_id = $1', [from]);
  await run(
    'evaluationResponses',
    'UPDATE linli.evaluation_responses SET person_id = $1 WHERE person_id = $2',
  );
  await run('partyBranches', 'UPDATE linli.party_branches SET secretary_id = $1 WHERE secretary_id = $2');
  await run('partyMembers', 'UPDATE linli.party_members SET person_id = $1 WHERE person_id = $2');
  await run('partyMembers', 'UPDATE linli.party_members SET approved_by = $1 WHERE approved_by = $2');
  await run('partyTasks', 'UPDATE linli.party_task_assignments SET person_id = $1 WHERE person_id = $2');
  await run(
    'reminderReceiptsDeduplicated',
    `DELETE FROM linli.reminder_receipts f WHERE f.person_id = $2 AND EXISTS (
       SELECT 1 FROM linli.reminder_receipts k WHERE k.person_id = $1 AND k.reminder_id = f.reminder_id AND k.at = f.at)`,
  );
  await run('reminderReceipts', 'UPDATE linli.reminder_receipts SET person_id = $1 WHERE person_id = $2');
  await run(
    'reminderAudiences',
    `UPDATE linli.reminders SET audience = jsonb_set(audience, '{personIds}', (
       SELECT jsonb_agg(DISTINCT CASE WHEN v::bigint = $2::bigint THEN $1::bigint ELSE v::bigint END)
       FROM jsonb_array_elements_text(audience->'personIds') v)), updated_at = now()
     WHERE audience->>'kind' = 'people' AND audience->'personIds' @> to_jsonb($2::bigint)`,
  );
  // a conversation of each in the same chat: the absorbed one ends (one active per person and chat)
  await run(
    'conversationsEnded',
    `UPDATE linli.conversations f SET status = 'cancelled', ended_at = now(), updated_at = now()
     WHERE f.person_id = $2 AND f.status = 'active' AND EXISTS (
       SELECT 1 FROM linli.conversations k WHERE k.person_id = $1 AND k.status = 'active'
         AND k.channel = f.channel AND k.chat_external_id = f.chat_external_id)`,
  );
  await run('conversations', 'UPDATE linli.conversations SET person_id = $1 WHERE person_id = $2');
  await run('deliveries', 'UPDATE linli.deliveries SET person_id = $1 WHERE person_id = $2');
  // the register's phone stands; a phone only the absorbed person had is kept
  await tx.query(
    `UPDATE linli.people k SET phone = COALESCE(k.phone, f.phone), updated_at = now()
     FROM linli.people f WHERE k.id = $1 AND f.id = $2`,
    [keep, from],
  );
  await tx.query(
    'UPDATE linli.people SET merged_into = $1, merged_at = now(), updated_at = now() WHERE id = $2',
    [keep, from],
  );
  await recordAudit(tx, actor, {
    action: 'person.merge',
    objectType: 'person',
    objectId: keep,
    orgId,
    before: { keep, from },
    after: { keep, from, moved },
  });
  return { keep, from, moved };
}

/** Why the two cannot be one, each named; empty when they can. */
async function conflictsOf(tx: Queryable, keep: number, from: number): Promise<ErrorDetail[]> {
  const { rows } = await tx.query<{ kind: string; a: string; b: string | null }>(
    `SELECT 'role' AS kind, k.role AS a, k.org_id::text AS b FROM linli.role_assignments k
       JOIN linli.role_assignments f ON f.org_id = k.org_id AND f.role = k.role
      WHERE k.person_id = $1 AND f.person_id = $2 AND NOT (k.role = ANY($3::text[]))
     UNION ALL
     SELECT 'unit', k.unit_id::text, NULL FROM linli.unit_owners k
       JOIN linli.unit_owners f ON f.unit_id = k.unit_id WHERE k.person_id = $1 AND f.person_id = $2
     UNION ALL
     SELECT CASE WHEN EXISTS (SELECT 1 FROM linli.ballots b WHERE b.proposal_id = k.proposal_id AND b.person_id = $1)
                  AND EXISTS (SELECT 1 FROM linli.ballots b WHERE b.proposal_id = k.proposal_id AND b.person_id = $2)
                 THEN 'ballots' ELSE 'electorate' END, k.proposal_id::text, NULL
       FROM linli.proposal_electorate k JOIN linli.proposal_electorate f ON f.proposal_id = k.proposal_id
      WHERE k.person_id = $1 AND f.person_id = $2
     UNION ALL
     SELECT 'party_member', k.compound_id::text, NULL FROM linli.party_members k
       JOIN linli.party_members f ON f.compound_id = k.compound_id WHERE k.person_id = $1 AND f.person_id = $2
     UNION ALL
     SELECT 'party_task', k.task_id::text, NULL FROM linli.party_task_assignments k
       JOIN linli.party_task_assignments f ON f.task_id = k.task_id WHERE k.person_id = $1 AND f.person_id = $2`,
    [keep, from, DERIVED_ROLES],
  );
  return rows.map((r) => {
    switch (r.kind) {
      case 'role':
        return { field: 'from', message: `both hold the role ${r.a} at org ${r.b}` };
      case 'unit':
        return { field: 'from', message: `both own unit ${r.a}` };
      case 'ballots':
        return { field: 'from', message: `both cast a ballot on proposal ${r.a}` };
      case 'electorate':
        return { field: 'from', message: `both are voters of proposal ${r.a}` };
      case 'party_member':
        return { field: 'from', message: `both are party members reporting to compound ${r.a}` };
      default:
        return { field: 'from', message: `both are on party task ${r.a}` };
    }
  });
}
