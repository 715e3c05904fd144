import { recordAudit } from '../../../kernel/access/audit.js';
import { AppError, badRequest, notFound } from '../../../kernel/access/errors.js';
import { requirePerson } from '../../../kernel/access/in-scope.js';
import { type Actor, assertCanWrite } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import { appendEntry, type LogEntry, pseudonym } from '../ballot-log.js';
import { visibleProposal } from '../queries/proposals.js';
import { ballotOf, inElectorate, lockProposal, type ProposalRow, upsertBallot } from '../repository.js';

/**
 * Casting a ballot. Every ballot is cast under the proposal's row lock: the log's seq never races,
 * two presses of one owner are serialised (the second sees the first) and a ballot after closing
 * is refused.
 */

export interface CastInput {
  proposalId: number;
  personId: number;
  option: string;
  channel: 'telegram' | 'wechat' | 'wechat_oa' | 'paper' | 'api';
  evidence?: string | null;
}

export interface CastOutcome {
  proposal: ProposalRow;
  receipt: string;
  option: string;
  /** 'cast' the first time, 'changed' when it replaced another option, 'same' when it repeated it */
  kind: 'cast' | 'changed' | 'same';
  seq: number;
}

/** Casts (or changes) a ballot in the caller's transaction; throws AppError naming the field. */
export async function castIn(tx: Queryable, input: CastInput, clock: () => Date): Promise<CastOutcome> {
  const row = await lockProposal(tx, input.proposalId);
  if (!row) throw notFound('proposal', input.proposalId);
  // read after the lock: a ballot that waited for another is judged (and logged) at its own time
  const now = clock();
  if (row.status !== 'open' || row.closes_at.getTime() <= now.getTime()) {
    const why = row.status === 'scheduled' || row.status === 'draft' ? 'has not opened yet' : 'is closed';
    throw new AppError(409, 'voting_not_open', `Proposal ${row.id} ${why}`, [
      { field: 'proposalId', message: why },
    ]);
  }
  if (!row.options.includes(input.option))
    throw badRequest(`Unknown option: ${input.option}`, [
      { field: 'option', message: `one of ${row.options.join(', ')}` },
    ]);
  if (!(await inElectorate(tx, row.id, input.personId)))
    throw new AppError(
      403,
      'not_an_owner',
      `Person ${input.personId} is not a voting owner of this compound`,
      [{ field: 'personId', message: 'not in the electorate (not a registered owner named as voter)' }],
    );
  const before = await ballotOf(tx, row.id, input.personId);
  const paper = input.channel === 'paper';
  if (before && before.option === input.option && !paper) {
    return {
      proposal: row,
      receipt: before.receipt,
      option: before.option,
      kind: 'same',
      seq: before.log_seq,
    };
  }
  const entry: LogEntry = {
    kind: 'ballot',
    proposalId: row.id,
    voter: row.secret ? pseudonym(row.salt, input.personId) : input.personId,
    option: input.option,
    channel: input.channel,
    paper,
    version: before ? before.changes + 2 : 1,
  };
  const log = await appendEntry(tx, entry, now);
  await upsertBallot(tx, {
    proposalId: row.id,
    personId: input.personId,
    option: input.option,
    channel: input.channel,
    paper,
    evidence: input.evidence ?? null,
    receipt: log.receipt,
    logSeq: log.seq,
    castAt: now,
  });
  return {
    proposal: row,
    receipt: log.receipt,
    option: input.option,
    kind: before ? 'changed' : 'cast',
    seq: log.seq,
  };
}

/** A paper ballot entered by the owners' committee (an admin token of the compound). */
export async function castPaper(
  db: Db,
  now: () => Date,
  actor: Actor,
  id: number,
  body: { personId: number; option: string; evidence: string },
) {
  const row = await visibleProposal(db, actor.principal, id);
  const org = await findOrg(db, row.org_id);
  assertCanWrite(actor.principal, org?.path ?? [], 'proposal', id);
  // the voter is named like any id: outside the subtree is 404, before anything about the vote
  await requirePerson(db, actor.principal, body.personId, { field: 'personId' });
  return db.transaction(async (tx) => {
    const out = await castIn(tx, { proposalId: id, ...body, channel: 'paper' }, now);
    await recordAudit(tx, actor, {
      action: 'proposal.paper_ballot',
      objectType: 'proposal',
      objectId: id,
      orgId: row.org_id,
      after: { personId: body.personId, seq: out.seq, receipt: out.receipt, evidence: body.evidence },
    });
    return { receipt: out.receipt, seq: out.seq, kind: out.kind, option: out.option };
  });
}
