import { randomBytes } from 'node:crypto';
import { recordAudit } from '../../../kernel/access/audit.js';
import { AppError, badRequest, conflict, notFound } from '../../../kernel/access/errors.js';
import { requireOrg, requirePerson } from '../../../kernel/access/in-scope.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  type Principal,
} from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../../kernel/queue/names.js';
import { findOrg } from '../../orgs/index.js';
import {
  appendEntry,
  type LogEntry,
  type LogRow,
  normalizeReceipt,
  pseudonym,
  readLog,
  verifyRows,
} from '../ballot-log.js';
import { type CountResult, count, type Rule, turnout, type Voter } from '../counting.js';

/**
 * Owners' votes. The proposal row is the truth: `openIfDue`, `closeIfDue` and `remindIfDue`
 * re-read and lock it and act only if it still calls for it, so the delayed jobs
 * (`proposal-<id>-open|close|remind<minutes>`) are only wake-up calls and `reconcile()` (at start
 * and every minute) catches up on anything a lost queue dropped.
 *
 * Every ballot is cast under the proposal's row lock: the log's seq never races, two presses of
 * one owner are serialised (the second sees the first) and a ballot after closing is refused.
 */
export const DEFAULT_OPTIONS = ['同意', '反对', '弃权'];
export const DEFAULT_REMINDER_MINUTES = [48 * 60, 24 * 60];
/** how far in the past opensAt may be (a client's clock, the request's own latency) */
const OPENS_AT_GRACE_MS = 60_000;

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

export interface CreateProposal {
  orgId: number;
  title: string;
  body?: string;
  options?: string[];
  rule: Rule;
  opensAt?: Date;
  closesAt: Date;
  secret?: boolean;
  /** hours before closing at which non-voters are reminded (default 48 and 24) */
  reminderHours?: number[];
}

export interface CastInput {
  proposalId: number;
  personId: number;
  option: string;
  channel: 'telegram' | 'wechat' | 'paper' | 'api';
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

export interface VoteNotifierPort {
  /** writes the group messages of an opening or closing in its transaction; schedules them after */
  stage?(tx: Queryable, p: ProposalRow, moment: 'opened' | 'closed'): Promise<() => Promise<void>>;
  opened(p: ProposalRow): Promise<void>;
  closed(p: ProposalRow): Promise<void>;
  remind(p: ProposalRow, offsetMinutes: number, personIds: number[]): Promise<void>;
  stageRemind?(
    tx: Queryable,
    p: ProposalRow,
    offset: number,
    personIds: number[],
  ): Promise<() => Promise<void>>;
}

export class VoteService {
  notifier: VoteNotifierPort | null = null;

  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get database(): Db {
    return this.db;
  }

  // ---- proposals ---------------------------------------------------------------------------

  async create(actor: Actor, input: CreateProposal): Promise<ProposalRow> {
    const now = this.now();
    const options = input.options ?? DEFAULT_OPTIONS;
    const trimmed = options.map((o) => o.trim());
    if (trimmed.length < 2 || trimmed.length > 12)
      throw badRequest('A proposal needs 2 to 12 options', [
        { field: 'options', message: '2 to 12 options' },
      ]);
    trimmed.forEach((o, i) => {
      if (o.length < 1 || o.length > 40)
        throw badRequest('Options are 1 to 40 characters', [
          { field: `options.${i}`, message: '1 to 40 characters' },
        ]);
    });
    if (new Set(trimmed).size !== trimmed.length)
      throw badRequest('Options must differ', [{ field: 'options', message: 'duplicate option' }]);
    const opensAt = input.opensAt ?? now;
    if (opensAt.getTime() < now.getTime() - OPENS_AT_GRACE_MS)
      throw badRequest('opensAt is in the past', [{ field: 'opensAt', message: 'must not be in the past' }]);
    if (input.closesAt.getTime() <= opensAt.getTime())
      throw badRequest('closesAt must be after opensAt', [
        { field: 'closesAt', message: 'must be after opensAt' },
      ]);
    const hours = input.reminderHours ?? DEFAULT_REMINDER_MINUTES.map((m) => m / 60);
    const minutes = [...new Set(hours.map((h) => Math.round(h * 60)))].sort((a, b) => b - a);
    if (minutes.some((m) => m < 1 || m > 60 * 24 * 90))
      throw badRequest('reminderHours must be between 1/60 and 2160', [
        { field: 'reminderHours', message: 'each between 1 minute and 90 days' },
      ]);
    const row = await this.db.transaction(async (tx) => {
      const org = await requireOrg(tx, actor.principal, input.orgId, { field: 'orgId', write: true });
      if (org.kind !== 'compound')
        throw badRequest('Owners vote in a compound', [{ field: 'orgId', message: 'must be a compound' }]);
      const { rows } = await tx.query<ProposalRow>(
        `INSERT INTO linli.proposals (org_id, title, body, options, rule, opens_at, closes_at, secret,
           reminder_offsets, salt, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          input.orgId,
          input.title.trim(),
          input.body ?? '',
          JSON.stringify(trimmed),
          input.rule,
          opensAt,
          input.closesAt,
          input.secret ?? false,
          minutes,
          randomBytes(16).toString('hex'),
          actor.principal.label,
        ],
      );
      const p = rows[0]!;
      await recordAudit(tx, actor, {
        action: 'proposal.create',
        objectType: 'proposal',
        objectId: p.id,
        orgId: p.org_id,
        after: present(p),
      });
      return p;
    });
    if (row.opens_at.getTime() <= now.getTime()) {
      await this.openIfDue(row.id);
      return (await this.row(row.id))!;
    }
    await this.schedule(row);
    return row;
  }

  async get(p: Principal, id: number) {
    const row = await this.visible(p, id);
    return { ...present(row), turnout: row.status === 'open' ? await this.turnout(this.db, row) : null };
  }

  async list(p: Principal, orgId: number) {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    const { rows } = await this.db.query<ProposalRow>(
      'SELECT * FROM linli.proposals WHERE org_id = $1 ORDER BY id DESC LIMIT 200',
      [orgId],
    );
    return { items: rows.map(present) };
  }

  /** The result once closed; while open the live turnout (and tally, unless secret). */
  async result(p: Principal, id: number) {
    const row = await this.visible(p, id);
    if (row.status === 'closed') return { id: row.id, status: row.status, final: true, ...row.result! };
    if (row.status !== 'open') return { id: row.id, status: row.status, final: false, turnout: null };
    const live = await this.count(this.db, row);
    return {
      id: row.id,
      status: row.status,
      final: false,
      turnout: await this.turnout(this.db, row),
      options: row.secret ? null : live.options,
    };
  }

  async cancel(actor: Actor, id: number): Promise<ProposalRow> {
    return this.db.transaction(async (tx) => {
      const row = await lock(tx, id);
      const org = await findOrg(tx, row.org_id);
      assertCanWrite(actor.principal, org?.path ?? [], 'proposal', id);
      if (row.status !== 'scheduled' && row.status !== 'draft')
        throw conflict(`A ${row.status} proposal cannot be cancelled (only before it opens)`, [
          { field: 'status', message: `is ${row.status}` },
        ]);
      const { rows } = await tx.query<ProposalRow>(
        `UPDATE linli.proposals SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 RETURNING *`,
        [id, this.now()],
      );
      await recordAudit(tx, actor, {
        action: 'proposal.cancel',
        objectType: 'proposal',
        objectId: id,
        orgId: row.org_id,
        before: { status: row.status },
        after: { status: 'cancelled' },
      });
      return rows[0]!;
    });
  }

  // ---- time --------------------------------------------------------------------------------

  /** Opens a scheduled proposal whose time has come: freezes the electorate, announces it. */
  async openIfDue(id: number): Promise<boolean> {
    const opened = await this.db.transaction(async (tx) => {
      const row = await lockOrNull(tx, id);
      if (row?.status !== 'scheduled' || row.opens_at.getTime() > this.now().getTime()) return null;
      const totals = await freezeElectorate(tx, row);
      const { rows } = await tx.query<ProposalRow>(
        `UPDATE linli.proposals SET status = 'open', opened_at = $2, totals = $3 WHERE id = $1 RETURNING *`,
        [id, this.now(), JSON.stringify(totals)],
      );
      const row2 = rows[0]!;
      return { row: row2, send: await this.notifier?.stage?.(tx, row2, 'opened') };
    });
    if (!opened) return false;
    await this.schedule(opened.row);
    if (opened.send) await opened.send();
    else await this.notifier?.opened(opened.row);
    // a proposal opened after its own closing time (a long outage) closes at once
    if (opened.row.closes_at.getTime() <= this.now().getTime()) await this.closeIfDue(id);
    return true;
  }

  /** Closes an open proposal past its closing time: counts, stores the result, announces it. */
  async closeIfDue(id: number): Promise<boolean> {
    const closed = await this.db.transaction(async (tx) => {
      const row = await lockOrNull(tx, id);
      if (row?.status !== 'open' || row.closes_at.getTime() > this.now().getTime()) return null;
      const result = await this.count(tx, row);
      const { rows } = await tx.query<ProposalRow>(
        `UPDATE linli.proposals SET status = 'closed', closed_at = $2, result = $3 WHERE id = $1 RETURNING *`,
        [id, this.now(), JSON.stringify(result)],
      );
      const row2 = rows[0]!;
      return { row: row2, send: await this.notifier?.stage?.(tx, row2, 'closed') };
    });
    if (!closed) return false;
    if (closed.send) await closed.send();
    else await this.notifier?.closed(closed.row);
    return true;
  }

  /** Reminds the owners who have not voted, once per offset (marked on the row). */
  async remindIfDue(id: number, offset: number): Promise<boolean> {
    const due = await this.db.transaction(async (tx) => {
      const row = await lockOrNull(tx, id);
      if (row?.status !== 'open') return null;
      if (!row.reminder_offsets.includes(offset) || row.reminders_sent.includes(offset)) return null;
      const at = row.closes_at.getTime() - offset * 60_000;
      const now = this.now().getTime();
      if (at > now || row.closes_at.getTime() <= now) return null;
      // a reminder whose time came before the opening is skipped, not sent late
      if (row.opened_at && at < row.opened_at.getTime() - 60_000) {
        await markReminded(tx, id, offset);
        return null;
      }
      // earlier reminders not sent yet (a long outage) are dropped: one reminder, the latest
      for (const m of row.reminder_offsets)
        if (m >= offset && !row.reminders_sent.includes(m)) await markReminded(tx, id, m);
      const { rows } = await tx.query<{ person_id: number }>(
        `SELECT e.person_id FROM linli.proposal_electorate e
         WHERE e.proposal_id = $1 AND NOT EXISTS
           (SELECT 1 FROM linli.ballots b WHERE b.proposal_id = e.proposal_id AND b.person_id = e.person_id)
         ORDER BY e.person_id`,
        [id],
      );
      const people = rows.map((r) => r.person_id);
      const send = people.length ? await this.notifier?.stageRemind?.(tx, row, offset, people) : undefined;
      return { row, people, send };
    });
    if (!due) return false;
    if (due.send) await due.send();
    else if (due.people.length) await this.notifier?.remind(due.row, offset, due.people);
    return true;
  }

  /** The delayed jobs of a proposal's future moments (after COMMIT). */
  async schedule(row: ProposalRow): Promise<void> {
    if (!this.queues) return;
    const jobs = this.jobsOf(row);
    if (!jobs.length) return;
    const now = this.now().getTime();
    await this.queues.addBulk(
      QueueName.votes,
      jobs.map((j) => ({
        name: j.kind,
        data: { proposalId: row.id, kind: j.kind, offset: j.offset },
        opts: {
          jobId: j.id,
          delay: Math.max(0, j.at.getTime() - now),
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      })),
    );
  }

  private jobsOf(row: ProposalRow) {
    const jobs: { id: string; kind: 'open' | 'close' | 'remind'; at: Date; offset?: number }[] = [];
    if (row.status === 'scheduled')
      jobs.push({ id: jobId('proposal', row.id, 'open'), kind: 'open', at: row.opens_at });
    if (row.status === 'scheduled' || row.status === 'open') {
      jobs.push({ id: jobId('proposal', row.id, 'close'), kind: 'close', at: row.closes_at });
      for (const m of row.reminder_offsets) {
        if (row.reminders_sent.includes(m)) continue;
        const at = new Date(row.closes_at.getTime() - m * 60_000);
        if (at.getTime() < row.opens_at.getTime()) continue;
        jobs.push({ id: jobId('proposal', row.id, `remind${m}`), kind: 'remind', at, offset: m });
      }
    }
    return jobs;
  }

  /** Runs a job (the worker's one entry). */
  async runJob(data: { proposalId: number; kind: string; offset?: number }): Promise<boolean> {
    if (data.kind === 'open') return this.openIfDue(data.proposalId);
    if (data.kind === 'close') return this.closeIfDue(data.proposalId);
    if (data.kind === 'remind' && data.offset) return this.remindIfDue(data.proposalId, data.offset);
    return false;
  }

  /**
   * At start and every minute: opens, closes and reminds whatever is due (a job the queue lost),
   * then re-adds the missing jobs of future moments.
   */
  async reconcile(): Promise<{ opened: number; closed: number; reminded: number; rescheduled: number }> {
    const out = { opened: 0, closed: 0, reminded: 0, rescheduled: 0 };
    const now = this.now();
    const { rows } = await this.db.query<ProposalRow>(
      `SELECT * FROM linli.proposals WHERE status IN ('scheduled', 'open') ORDER BY id`,
    );
    for (const r of rows) {
      if (r.status === 'scheduled' && r.opens_at <= now) {
        if (await this.openIfDue(r.id)) out.opened++;
        continue;
      }
      if (r.status === 'open' && r.closes_at <= now) {
        if (await this.closeIfDue(r.id)) out.closed++;
        continue;
      }
      if (r.status === 'open') {
        // the latest reminder that is due (remindIfDue drops the earlier ones)
        const due = r.reminder_offsets
          .filter((m) => !r.reminders_sent.includes(m) && r.closes_at.getTime() - m * 60_000 <= now.getTime())
          .sort((a, b) => a - b)[0];
        if (due !== undefined && (await this.remindIfDue(r.id, due))) out.reminded++;
      }
      if (!this.queues) continue;
      const fresh = (await this.row(r.id))!;
      const q = this.queues.queue(QueueName.votes);
      const present = await Promise.all(this.jobsOf(fresh).map((j) => q.getJob(j.id)));
      if (present.some((j) => !j)) {
        await this.schedule(fresh);
        out.rescheduled++;
      }
    }
    return out;
  }

  // ---- ballots -----------------------------------------------------------------------------

  /** Casts (or changes) a ballot under the proposal's row lock; throws AppError naming the field. */
  async cast(input: CastInput): Promise<CastOutcome> {
    return this.db.transaction((tx) => this.castIn(tx, input));
  }

  async castIn(tx: Queryable, input: CastInput): Promise<CastOutcome> {
    const row = await lockOrNull(tx, input.proposalId);
    if (!row) throw notFound('proposal', input.proposalId);
    const now = this.now();
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
    const { rows: voter } = await tx.query<{ person_id: number }>(
      'SELECT person_id FROM linli.proposal_electorate WHERE proposal_id = $1 AND person_id = $2',
      [row.id, input.personId],
    );
    if (!voter[0])
      throw new AppError(
        403,
        'not_an_owner',
        `Person ${input.personId} is not a voting owner of this compound`,
        [{ field: 'personId', message: 'not in the electorate (not a registered owner named as voter)' }],
      );
    const { rows: prev } = await tx.query<{
      option: string;
      changes: number;
      receipt: string;
      log_seq: number;
    }>(
      'SELECT option, changes, receipt, log_seq FROM linli.ballots WHERE proposal_id = $1 AND person_id = $2',
      [row.id, input.personId],
    );
    const before = prev[0];
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
    await tx.query(
      `INSERT INTO linli.ballots (proposal_id, person_id, option, channel, paper, evidence, receipt, log_seq, changes, cast_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9)
       ON CONFLICT (proposal_id, person_id) DO UPDATE SET option = EXCLUDED.option, channel = EXCLUDED.channel,
         paper = EXCLUDED.paper, evidence = EXCLUDED.evidence, receipt = EXCLUDED.receipt,
         log_seq = EXCLUDED.log_seq, changes = linli.ballots.changes + 1, cast_at = EXCLUDED.cast_at`,
      [
        row.id,
        input.personId,
        input.option,
        input.channel,
        paper,
        input.evidence ?? null,
        log.receipt,
        log.seq,
        now,
      ],
    );
    return {
      proposal: row,
      receipt: log.receipt,
      option: input.option,
      kind: before ? 'changed' : 'cast',
      seq: log.seq,
    };
  }

  /** A paper ballot entered by the owners' committee (an admin token of the compound). */
  async castPaper(actor: Actor, id: number, body: { personId: number; option: string; evidence: string }) {
    const row = await this.visible(actor.principal, id);
    const org = await findOrg(this.db, row.org_id);
    assertCanWrite(actor.principal, org?.path ?? [], 'proposal', id);
    // the voter is named like any id: outside the subtree is 404, before anything about the vote
    await requirePerson(this.db, actor.principal, body.personId, { field: 'personId' });
    return this.db.transaction(async (tx) => {
      const out = await this.castIn(tx, { proposalId: id, ...body, channel: 'paper' });
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

  // ---- the log -----------------------------------------------------------------------------

  /** The chain; a secret ballot's options stay sealed until closing (voters are pseudonyms). */
  async audit(p: Principal, id: number) {
    const row = await this.visible(p, id);
    const sealed = row.secret && row.status !== 'closed';
    const log = await readLog(this.db, id);
    return {
      proposalId: id,
      secret: row.secret,
      sealed,
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
  async verify(p: Principal, id: number) {
    const row = await this.visible(p, id);
    const log = await readLog(this.db, id);
    const chain = verifyRows(log);
    const { rows: ballots } = await this.db.query<{
      person_id: number;
      option: string;
      receipt: string;
      log_seq: number;
    }>(
      'SELECT person_id, option, receipt, log_seq FROM linli.ballots WHERE proposal_id = $1 ORDER BY person_id',
      [id],
    );
    const latest = new Map<string, LogRow>();
    for (const l of log) latest.set(String(l.entry.voter), l);
    const mismatched: { seq: number | null; message: string }[] = [];
    for (const b of ballots) {
      const key = String(row.secret ? pseudonym(row.salt, b.person_id) : b.person_id);
      const l = latest.get(key);
      if (!l || l.seq !== b.log_seq || l.entry.option !== b.option || l.receipt !== b.receipt)
        mismatched.push({
          seq: b.log_seq,
          message: 'a counted ballot does not match the last log entry of its voter',
        });
      latest.delete(key);
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
  async receipt(p: Principal, id: number, code: string) {
    const row = await this.visible(p, id);
    return this.findReceipt(this.db, row, code);
  }

  async findReceipt(q: Queryable, row: ProposalRow, code: string) {
    const receipt = normalizeReceipt(code);
    const { rows } = await q.query<LogRow>(
      'SELECT * FROM linli.ballot_log WHERE proposal_id = $1 AND receipt = $2 ORDER BY seq',
      [row.id, receipt],
    );
    const l = rows[0];
    if (!l) return { receipt, found: false as const };
    const { rows: counted } = await q.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM linli.ballots WHERE proposal_id = $1 AND receipt = $2',
      [row.id, receipt],
    );
    const sealed = row.secret && row.status !== 'closed';
    return {
      receipt,
      found: true as const,
      seq: l.seq,
      createdAt: l.created_at.toISOString(),
      hash: l.hash,
      counted: (counted[0]?.n ?? 0) > 0,
      option: sealed ? null : l.entry.option,
    };
  }

  /** A receipt typed in chat: searched in the votes of the chat's compound, else of the person. */
  async findReceiptFor(code: string, orgId: number | null, personId: number | null) {
    const { rows } = await this.db.query<ProposalRow>(
      `SELECT p.* FROM linli.proposals p
       WHERE p.status IN ('open', 'closed') AND (p.org_id = $1 OR EXISTS
         (SELECT 1 FROM linli.proposal_electorate e WHERE e.proposal_id = p.id AND e.person_id = $2))
       ORDER BY p.id DESC LIMIT 100`,
      [orgId, personId],
    );
    for (const row of rows) {
      const r = await this.findReceipt(this.db, row, code);
      if (r.found) return { row, r };
    }
    return null;
  }

  // ---- reading -----------------------------------------------------------------------------

  async row(id: number, q: Queryable = this.db): Promise<ProposalRow | null> {
    const { rows } = await q.query<ProposalRow>('SELECT * FROM linli.proposals WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async electorate(q: Queryable, id: number): Promise<Voter[]> {
    const { rows } = await q.query<{ person_id: number; area: string }>(
      'SELECT person_id, area FROM linli.proposal_electorate WHERE proposal_id = $1',
      [id],
    );
    return rows.map((r) => ({ personId: r.person_id, area: r.area }));
  }

  async count(q: Queryable, row: ProposalRow): Promise<CountResult> {
    const { rows } = await q.query<{ person_id: number; option: string }>(
      'SELECT person_id, option FROM linli.ballots WHERE proposal_id = $1',
      [row.id],
    );
    return count({
      rule: row.rule,
      options: row.options,
      electorate: await this.electorate(q, row.id),
      ballots: new Map(rows.map((r) => [r.person_id, r.option])),
    });
  }

  async turnout(q: Queryable, row: ProposalRow) {
    const { rows } = await q.query<{ person_id: number }>(
      'SELECT person_id FROM linli.ballots WHERE proposal_id = $1',
      [row.id],
    );
    return turnout(
      await this.electorate(q, row.id),
      rows.map((r) => r.person_id),
    );
  }

  /** Open proposals of a compound (what a chat message can vote on). */
  async openIn(orgId: number): Promise<ProposalRow[]> {
    const { rows } = await this.db.query<ProposalRow>(
      `SELECT * FROM linli.proposals WHERE org_id = $1 AND status = 'open' ORDER BY id`,
      [orgId],
    );
    return rows;
  }

  private async visible(p: Principal, id: number): Promise<ProposalRow> {
    const row = await this.row(id);
    if (!row) throw notFound('proposal', id);
    const org = await findOrg(this.db, row.org_id);
    assertCanSee(p, org?.path ?? [], 'proposal', id);
    return row;
  }
}

export function present(p: ProposalRow) {
  return {
    id: p.id,
    orgId: p.org_id,
    title: p.title,
    body: p.body,
    options: p.options,
    rule: p.rule,
    opensAt: p.opens_at,
    closesAt: p.closes_at,
    secret: p.secret,
    status: p.status,
    reminderHours: p.reminder_offsets.map((m) => m / 60),
    totals: p.totals,
    result: p.status === 'closed' ? p.result : null,
    createdAt: p.created_at,
    openedAt: p.opened_at,
    closedAt: p.closed_at,
    cancelledAt: p.cancelled_at,
  };
}

/**
 * Freezes who votes with what area. Each unit of the compound counts once, for its named voter
 * (`unit_owners.is_voter`); co-owners who named nobody: the unit counts for the co-owner with
 * the lowest person id (reported in `unitsWithoutNamedVoter`). A person voting for several
 * units carries their summed area and counts once by headcount. Units with no owner in the
 * register are outside the electorate (reported in `unitsWithoutOwner`).
 */
async function freezeElectorate(tx: Queryable, p: ProposalRow): Promise<Totals> {
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

async function markReminded(tx: Queryable, id: number, offset: number) {
  await tx.query(
    'UPDATE linli.proposals SET reminders_sent = array_append(reminders_sent, $2) WHERE id = $1',
    [id, offset],
  );
}

async function lockOrNull(tx: Queryable, id: number): Promise<ProposalRow | null> {
  const { rows } = await tx.query<ProposalRow>('SELECT * FROM linli.proposals WHERE id = $1 FOR UPDATE', [
    id,
  ]);
  return rows[0] ?? null;
}

async function lock(tx: Queryable, id: number): Promise<ProposalRow> {
  const row = await lockOrNull(tx, id);
  if (!row) throw notFound('proposal', id);
  return row;
}
