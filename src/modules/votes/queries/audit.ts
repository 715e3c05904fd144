import { AppError } from '../../../kernel/access/errors.js';
import type { Principal } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { type LogRow, normalizeReceipt, pseudonym, verifyRows } from '../ballot-log.js';
import {
  ballotsWithReceipt,
  countedBallots,
  electorateOf,
  findProposal,
  logRowsWithReceipt,
  type ProposalRow,
  proposalsForReceipt,
  readLog,
} from '../repository.js';
import { visibleProposal } from './proposals.js';

/**
 * What anyone may check of a vote: its ballot log (the hash chain), the chain recomputed against
 * the counted ballots, and whether a voter's receipt is in it and counted.
 */

/**
 * The proposal whose log a caller may read: with a token, one in its scope; without (`p` null),
 * any closed one — a vote's log is public once it is decided, so that anyone can check the count
 * without asking whoever runs the database. Unknown and still open look the same without a token.
 */
async function auditableProposal(db: Db, p: Principal | null, id: number): Promise<ProposalRow> {
  if (p) return visibleProposal(db, p, id);
  const row = await findProposal(db, id);
  if (row?.status !== 'closed')
    throw new AppError(
      401,
      'unauthorized',
      'A vote’s ballot log is public once the vote is closed; until then a token is needed',
    );
  return row;
}

/**
 * The chain; a secret ballot's options stay sealed until closing (voters are pseudonyms). With the
 * proposal (rule, options, the stored result and the log's head at the close) and its frozen
 * electorate (voters as the log names them, with their areas): everything
 * `scripts/verify-ballots.ts` needs to recompute the chain and the count with no database.
 */
export async function auditLog(db: Db, p: Principal | null, id: number) {
  const row = await auditableProposal(db, p, id);
  const sealed = row.secret && row.status !== 'closed';
  const log = await readLog(db, id);
  const electorate = await electorateOf(db, id);
  return {
    proposalId: id,
    proposal: {
      title: row.title,
      rule: row.rule,
      options: row.options,
      status: row.status,
      result: row.status === 'closed' ? row.result : null,
    },
    secret: row.secret,
    sealed,
    electorate: electorate.map((e) => ({
      voter: row.secret ? pseudonym(row.salt, Number(e.person_id)) : Number(e.person_id),
      area: e.area,
    })),
    hashRule:
      'hash = sha256(prev_hash || canonical JSON of entry (keys sorted) || created_at ISO-8601); first prev_hash = 64 zeros; receipt = first 40 bits of hash, Crockford base32',
    entries: log.map((l) => ({
      seq: l.seq,
      prevHash: l.prev_hash,
      entry: sealed ? { ...l.entry, option: null } : l.entry,
      createdAt: l.created_at.toISOString(),
      hash: l.hash,
      receipt: l.receipt,
    })),
  };
}

/** Recomputes the chain and checks the current ballots against it. */
export async function verifyLog(db: Db, p: Principal | null, id: number) {
  const row = await auditableProposal(db, p, id);
  const log = await readLog(db, id);
  const chain = verifyRows(log);
  const ballots = await countedBallots(db, id);
  const latest = new Map<string, LogRow>();
  for (const l of log) latest.set(String(l.entry.voter), l);
  // a ballot moved by a merge (people/merge.ts) stays in the log under the absorbed person: the
  // voter of a counted ballot is its person and everyone merged into them
  const absorbed = await absorbedInto(
    db,
    ballots.map((b) => Number(b.person_id)),
  );
  const mismatched: { seq: number | null; message: string }[] = [];
  for (const b of ballots) {
    const keys = [Number(b.person_id), ...(absorbed.get(Number(b.person_id)) ?? [])].map((id) =>
      String(row.secret ? pseudonym(row.salt, id) : id),
    );
    const l = keys
      .map((k) => latest.get(k))
      .reduce<LogRow | undefined>((a, x) => (x && (!a || x.seq > a.seq) ? x : a), undefined);
    if (!l || l.seq !== b.log_seq || l.entry.option !== b.option || l.receipt !== b.receipt)
      mismatched.push({
        seq: b.log_seq,
        message: 'a counted ballot does not match the last log entry of its voter',
      });
    for (const k of keys) latest.delete(k);
  }
  for (const l of latest.values())
    mismatched.push({ seq: l.seq, message: 'a logged ballot is missing from the counted ballots' });
  return {
    proposalId: id,
    ok: chain.ok && mismatched.length === 0,
    entries: chain.entries,
    firstBrokenSeq: chain.firstBrokenSeq,
    problem: chain.problem,
    lastHash: chain.lastHash,
    ballotsMatchLog: mismatched.length === 0,
    mismatches: mismatched,
  };
}

/** Whether a receipt is in the chain, and whether it is its voter's counted (last) ballot. */
export async function findReceipt(q: Queryable, row: ProposalRow, code: string) {
  const receipt = normalizeReceipt(code);
  const rows = await logRowsWithReceipt(q, row.id, receipt);
  const l = rows[0];
  if (!l) return { receipt, found: false as const };
  const counted = await ballotsWithReceipt(q, row.id, receipt);
  const sealed = row.secret && row.status !== 'closed';
  return {
    receipt,
    found: true as const,
    seq: l.seq,
    createdAt: l.created_at.toISOString(),
    hash: l.hash,
    counted: counted > 0,
    option: sealed ? null : l.entry.option,
  };
}

/** A receipt typed in chat: searched in the votes of the chat's compound, else of the person. */
export async function findReceiptFor(db: Db, code: string, orgId: number | null, personId: number | null) {
  const rows = await proposalsForReceipt(db, orgId, personId);
  for (const row of rows) {
    const r = await findReceipt(db, row, code);
    if (r.found) return { row, r };
  }
  return null;
}

/** For each person, the people merged into them (directly or down a chain of merges). */
async function absorbedInto(q: Queryable, ids: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (ids.length === 0) return out;
  const { rows } = await q.query<{ root: number; id: number }>(
    `WITH RECURSIVE m AS (
       SELECT p.id, p.merged_into AS root FROM linli.people p WHERE p.merged_into = ANY($1::bigint[])
       UNION ALL
       SELECT p.id, m.root FROM linli.people p JOIN m ON p.merged_into = m.id)
     SELECT root, id FROM m`,
    [ids],
  );
  for (const r of rows) out.set(Number(r.root), [...(out.get(Number(r.root)) ?? []), Number(r.id)]);
  return out;
}
