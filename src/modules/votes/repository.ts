import type { Queryable } from '../../kernel/db/db.js';
import type { LogEntry, LogRow } from './ballot-log.js';
import type { CountResult, Rule } from './counting.js';

/**
 * The votes module's SQL: proposals, their frozen electorate, the ballots and the ballot log.
 * Each function runs on the `Queryable` it is given (a transaction or the pool); the callers hold
 * the locks their contracts name (`lockProposal` before a ballot, an opening or a closing).
 */

export type ProposalStatus = 'draft' | 'scheduled' | 'open' | 'closed' | 'cancelled';

export interface ProposalRow {
  id: number;
  org_id: number;
  title: string;
  body: string;
  options: string[];
  rule: Rule;
  opens_at: Date;
  closes_at: Date;
  secret: boolean;
  status: ProposalStatus;
  reminder_offsets: number[];
  reminders_sent: number[];
  totals: Totals | null;
  result: CountResult | null;
  salt: string;
  created_by: string | null;
  created_at: Date;
  opened_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
}

export interface Totals {
  area: string;
  owners: number;
  units: number;
  /** co-owned units whose owners named no voter: counted for their lowest person id */
  unitsWithoutNamedVoter: number[];
  /** units with no owner in the register: outside the electorate (neither area nor headcount) */
  unitsWithoutOwner: number[];
}

/** A voter's current ballot as the cast needs it (the option, how often changed, its log entry). */
export interface PreviousBallot {
  option: string;
  changes: number;
  receipt: string;
  log_seq: number;
}

// ---- proposals -------------------------------------------------------------------------------

export async function insertProposal(
  tx: Queryable,
  p: {
    orgId: number;
    title: string;
    body: string;
    options: string[];
    rule: Rule;
    opensAt: Date;
    closesAt: Date;
    secret: boolean;
    reminderOffsets: number[];
    salt: string;
    createdBy: string;
  },
): Promise<ProposalRow> {
  const { rows } = await tx.query<ProposalRow>(
    `INSERT INTO linli.proposals (org_id, title, body, options, rule, opens_at, closes_at, secret,
       reminder_offsets, salt, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [
      p.orgId,
      p.title,
      p.body,
      JSON.stringify(p.options),
      p.rule,
      p.opensAt,
      p.closesAt,
      p.secret,
      p.reminderOffsets,
      p.salt,
      p.createdBy,
    ],
  );
  return rows[0]!;
}

export async function findProposal(q: Queryable, id: number): Promise<ProposalRow | null> {
  const { rows } = await q.query<ProposalRow>('SELECT * FROM linli.proposals WHERE id = $1', [id]);
  return rows[0] ?? null;
}

/** The proposal under its row lock (null when there is none). */
export async function lockProposal(tx: Queryable, id: number): Promise<ProposalRow | null> {
  const { rows } = await tx.query<ProposalRow>('SELECT * FROM linli.proposals WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  return rows[0] ?? null;
}

/** A compound's proposals, newest first (at most 200). */
export async function proposalsOf(q: Queryable, orgId: number): Promise<ProposalRow[]> {
  const { rows } = await q.query<ProposalRow>(
    'SELECT * FROM linli.proposals WHERE org_id = $1 ORDER BY id DESC LIMIT 200',
    [orgId],
  );
  return rows;
}

export async function openProposalsIn(q: Queryable, orgId: number): Promise<ProposalRow[]> {
  const { rows } = await q.query<ProposalRow>(
    `SELECT * FROM linli.proposals WHERE org_id = $1 AND status = 'open' ORDER BY id`,
    [orgId],
  );
  return rows;
}

/** The open proposals whose electorate holds the person. */
export async function openProposalsOfVoter(q: Queryable, personId: number): Promise<ProposalRow[]> {
  const { rows } = await q.query<ProposalRow>(
    `SELECT p.* FROM linli.proposals p JOIN linli.proposal_electorate e ON e.proposal_id = p.id
     WHERE p.status = 'open' AND e.person_id = $1 ORDER BY p.id`,
    [personId],
  );
  return rows;
}

/** Every proposal that still has a moment ahead (what the reconciler looks at). */
export async function unfinishedProposals(q: Queryable): Promise<ProposalRow[]> {
  const { rows } = await q.query<ProposalRow>(
    `SELECT * FROM linli.proposals WHERE status IN ('scheduled', 'open') ORDER BY id`,
  );
  return rows;
}

/** Where a receipt typed in chat may be: open or closed votes of the compound, or of the person. */
export async function proposalsForReceipt(
  q: Queryable,
  orgId: number | null,
  personId: number | null,
): Promise<ProposalRow[]> {
  const { rows } = await q.query<ProposalRow>(
    `SELECT p.* FROM linli.proposals p
     WHERE p.status IN ('open', 'closed') AND (p.org_id = $1 OR EXISTS
       (SELECT 1 FROM linli.proposal_electorate e WHERE e.proposal_id = p.id AND e.person_id = $2))
     ORDER BY p.id DESC LIMIT 100`,
    [orgId, personId],
  );
  return rows;
}

export async function markCancelled(tx: Queryable, id: number, at: Date): Promise<ProposalRow> {
  const { rows } = await tx.query<ProposalRow>(
    `UPDATE linli.proposals SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 RETURNING *`,
    [id, at],
  );
  return rows[0]!;
}

export async function markOpen(tx: Queryable, id: number, at: Date, totals: Totals): Promise<ProposalRow> {
  const { rows } = await tx.query<ProposalRow>(
    `UPDATE linli.proposals SET status = 'open', opened_at = $2, totals = $3 WHERE id = $1 RETURNING *`,
    [id, at, JSON.stringify(totals)],
  );
  return rows[0]!;
}

export async function markClosed(
  tx: Queryable,
  id: number,
  at: Date,
  result: CountResult,
): Promise<ProposalRow> {
  const { rows } = await tx.query<ProposalRow>(
    `UPDATE linli.proposals SET status = 'closed', closed_at = $2, result = $3 WHERE id = $1 RETURNING *`,
    [id, at, JSON.stringify(result)],
  );
  return rows[0]!;
}

export async function markReminded(tx: Queryable, id: number, offset: number) {
  await tx.query(
    'UPDATE linli.proposals SET reminders_sent = array_append(reminders_sent, $2) WHERE id = $1',
    [id, offset],
  );
}

// ---- the electorate --------------------------------------------------------------------------

/**
 * Freezes who votes with what area. Each unit of the compound counts once, for its named voter
 * (`unit_owners.is_voter`); co-owners who named nobody: the unit counts for the co-owner with
 * the lowest person id (reported in `unitsWithoutNamedVoter`). A person voting for several
 * units carries their summed area and counts once by headcount. Units with no owner in the
 * register are outside the electorate (reported in `unitsWithoutOwner`).
 */
export async function freezeElectorate(tx: Queryable, p: ProposalRow): Promise<Totals> {
  await tx.query(
    `INSERT INTO linli.proposal_electorate (proposal_id, person_id, area, unit_ids)
     SELECT $1, v.person_id, sum(u.area), array_agg(u.id ORDER BY u.id)
     FROM linli.units u
     JOIN LATERAL (SELECT uo.person_id FROM linli.unit_owners uo WHERE uo.unit_id = u.id
                   ORDER BY uo.is_voter DESC, uo.person_id LIMIT 1) v ON true
     WHERE u.compound_id = $2
     GROUP BY v.person_id`,
    [p.id, p.org_id],
  );
  const { rows } = await tx.query<{ area: string | null; owners: number; units: number }>(
    `SELECT sum(area)::text AS area, count(*)::int AS owners, coalesce(sum(cardinality(unit_ids)), 0)::int AS units
     FROM linli.proposal_electorate WHERE proposal_id = $1`,
    [p.id],
  );
  const { rows: unnamed } = await tx.query<{ id: number }>(
    `SELECT u.id FROM linli.units u WHERE u.compound_id = $1
       AND (SELECT count(*) FROM linli.unit_owners uo WHERE uo.unit_id = u.id) > 1
       AND NOT EXISTS (SELECT 1 FROM linli.unit_owners uo WHERE uo.unit_id = u.id AND uo.is_voter)
     ORDER BY u.id`,
    [p.org_id],
  );
  const { rows: ownerless } = await tx.query<{ id: number }>(
    `SELECT u.id FROM linli.units u WHERE u.compound_id = $1
       AND NOT EXISTS (SELECT 1 FROM linli.unit_owners uo WHERE uo.unit_id = u.id) ORDER BY u.id`,
    [p.org_id],
  );
  return {
    area: rows[0]?.area ?? '0.00',
    owners: rows[0]?.owners ?? 0,
    units: rows[0]?.units ?? 0,
    unitsWithoutNamedVoter: unnamed.map((r) => r.id),
    unitsWithoutOwner: ownerless.map((r) => r.id),
  };
}

export async function electorateOf(
  q: Queryable,
  proposalId: number,
): Promise<{ person_id: number; area: string }[]> {
  const { rows } = await q.query<{ person_id: number; area: string }>(
    'SELECT person_id, area FROM linli.proposal_electorate WHERE proposal_id = $1',
    [proposalId],
  );
  return rows;
}

export async function inElectorate(q: Queryable, proposalId: number, personId: number): Promise<boolean> {
  const { rows } = await q.query<{ person_id: number }>(
    'SELECT person_id FROM linli.proposal_electorate WHERE proposal_id = $1 AND person_id = $2',
    [proposalId, personId],
  );
  return rows[0] !== undefined;
}

/** The electorate's people who have cast no ballot, by person id. */
export async function nonVoters(q: Queryable, proposalId: number): Promise<number[]> {
  const { rows } = await q.query<{ person_id: number }>(
    `SELECT e.person_id FROM linli.proposal_electorate e
     WHERE e.proposal_id = $1 AND NOT EXISTS
       (SELECT 1 FROM linli.ballots b WHERE b.proposal_id = e.proposal_id AND b.person_id = e.person_id)
     ORDER BY e.person_id`,
    [proposalId],
  );
  return rows.map((r) => r.person_id);
}

// ---- ballots ---------------------------------------------------------------------------------

export async function ballotOf(
  q: Queryable,
  proposalId: number,
  personId: number,
): Promise<PreviousBallot | undefined> {
  const { rows } = await q.query<PreviousBallot>(
    'SELECT option, changes, receipt, log_seq FROM linli.ballots WHERE proposal_id = $1 AND person_id = $2',
    [proposalId, personId],
  );
  return rows[0];
}

/** Writes a voter's ballot, or replaces it and counts the change. */
export async function upsertBallot(
  tx: Queryable,
  b: {
    proposalId: number;
    personId: number;
    option: string;
    channel: string;
    paper: boolean;
    evidence: string | null;
    receipt: string;
    logSeq: number;
    castAt: Date;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO linli.ballots (proposal_id, person_id, option, channel, paper, evidence, receipt, log_seq, changes, cast_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9)
     ON CONFLICT (proposal_id, person_id) DO UPDATE SET option = EXCLUDED.option, channel = EXCLUDED.channel,
       paper = EXCLUDED.paper, evidence = EXCLUDED.evidence, receipt = EXCLUDED.receipt,
       log_seq = EXCLUDED.log_seq, changes = linli.ballots.changes + 1, cast_at = EXCLUDED.cast_at`,
    [b.proposalId, b.personId, b.option, b.channel, b.paper, b.evidence, b.receipt, b.logSeq, b.castAt],
  );
}

/** Each voter's current option. */
export async function ballotOptions(
  q: Queryable,
  proposalId: number,
): Promise<{ person_id: number; option: string }[]> {
  const { rows } = await q.query<{ person_id: number; option: string }>(
    'SELECT person_id, option FROM linli.ballots WHERE proposal_id = $1',
    [proposalId],
  );
  return rows;
}

/** Who has voted (person ids). */
export async function ballotVoters(q: Queryable, proposalId: number): Promise<number[]> {
  const { rows } = await q.query<{ person_id: number }>(
    'SELECT person_id FROM linli.ballots WHERE proposal_id = $1',
    [proposalId],
  );
  return rows.map((r) => r.person_id);
}

/** The counted ballots with their log entries, by person id (what the chain is checked against). */
export async function countedBallots(
  q: Queryable,
  proposalId: number,
): Promise<{ person_id: number; option: string; receipt: string; log_seq: number }[]> {
  const { rows } = await q.query<{
    person_id: number;
    option: string;
    receipt: string;
    log_seq: number;
  }>(
    'SELECT person_id, option, receipt, log_seq FROM linli.ballots WHERE proposal_id = $1 ORDER BY person_id',
    [proposalId],
  );
  return rows;
}

/** How many counted ballots carry the receipt (0 or 1). */
export async function ballotsWithReceipt(q: Queryable, proposalId: number, receipt: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM linli.ballots WHERE proposal_id = $1 AND receipt = $2',
    [proposalId, receipt],
  );
  return rows[0]?.n ?? 0;
}

// ---- the ballot log --------------------------------------------------------------------------

export async function lastLogRow(
  q: Queryable,
  proposalId: number,
): Promise<{ seq: number; hash: string } | undefined> {
  const { rows } = await q.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM linli.ballot_log WHERE proposal_id = $1 ORDER BY seq DESC LIMIT 1',
    [proposalId],
  );
  return rows[0];
}

export async function insertLogRow(
  tx: Queryable,
  r: { seq: number; prevHash: string; entry: LogEntry; createdAt: Date; hash: string; receipt: string },
): Promise<LogRow> {
  const { rows } = await tx.query<LogRow>(
    `INSERT INTO linli.ballot_log (proposal_id, seq, prev_hash, entry, created_at, hash, receipt)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [r.entry.proposalId, r.seq, r.prevHash, JSON.stringify(r.entry), r.createdAt, r.hash, r.receipt],
  );
  return rows[0]!;
}

export async function readLog(q: Queryable, proposalId: number): Promise<LogRow[]> {
  const { rows } = await q.query<LogRow>(
    'SELECT * FROM linli.ballot_log WHERE proposal_id = $1 ORDER BY seq',
    [proposalId],
  );
  return rows;
}

export async function logRowsWithReceipt(
  q: Queryable,
  proposalId: number,
  receipt: string,
): Promise<LogRow[]> {
  const { rows } = await q.query<LogRow>(
    'SELECT * FROM linli.ballot_log WHERE proposal_id = $1 AND receipt = $2 ORDER BY seq',
    [proposalId, receipt],
  );
  return rows;
}
