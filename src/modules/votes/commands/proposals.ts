import { randomBytes } from 'node:crypto';
import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict, notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { type Actor, assertCanWrite, type Principal } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { AnyMoment } from '../../../kernel/moments/moment.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { findOrg } from '../../orgs/index.js';
import type { CountResult, Rule, Voter } from '../counting.js';
import { auditLog, findReceipt, findReceiptFor, verifyLog } from '../queries/audit.js';
import {
  countOf,
  electorate,
  getProposal,
  listProposals,
  outlookOf,
  present,
  proposalResult,
  turnoutOf,
  visibleProposal,
} from '../queries/proposals.js';
import {
  findProposal,
  insertProposal,
  lockProposal,
  markCancelled,
  openProposalsIn,
  type ProposalRow,
} from '../repository.js';
import { ProposalTimers, type VoteNotifierPort } from '../timers.js';
import { type CastInput, type CastOutcome, castIn, castPaper } from './ballots.js';

/**
 * Owners' votes. `VoteService` is the module's one face (app/modules.ts, the worker, the HTTP
 * routes, the chat and the flow actions call it): creating and cancelling a proposal live here;
 * its moments (open, close, remind: the row is the truth, jobs only wake it) in ../timers.ts;
 * casting a ballot under the proposal's row lock in ./ballots.ts; reading, the tally and the
 * ballot log's checks in ../queries/.
 */
export const DEFAULT_OPTIONS = ['同意', '反对', '弃权'];
export const DEFAULT_REMINDER_MINUTES = [48 * 60, 24 * 60];
/** how far in the past opensAt may be (a client's clock, the request's own latency) */
const OPENS_AT_GRACE_MS = 60_000;

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

export class VoteService {
  private readonly timers: ProposalTimers;

  constructor(
    private readonly db: Db,
    queues: QueueBackend,
    /** what owners are told when a proposal opens, closes, and before it closes */
    readonly notifier: VoteNotifierPort,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.timers = new ProposalTimers(db, queues, now, notifier);
    this.moments = Object.values(this.timers.moments);
  }

  /** Its moments (open, close, remind), for the worker (startVoteWorker). */
  readonly moments: AnyMoment[];

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
      const p = await insertProposal(tx, {
        orgId: input.orgId,
        title: input.title.trim(),
        body: input.body ?? '',
        options: trimmed,
        rule: input.rule,
        opensAt,
        closesAt: input.closesAt,
        secret: input.secret ?? false,
        reminderOffsets: minutes,
        salt: randomBytes(16).toString('hex'),
        createdBy: actor.principal.label,
      });
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
    return getProposal(this.db, p, id);
  }

  async list(p: Principal, orgId: number) {
    return listProposals(this.db, p, orgId);
  }

  /** The result once closed; while open the live turnout (and tally, unless secret). */
  async result(p: Principal, id: number) {
    return proposalResult(this.db, p, id);
  }

  async cancel(actor: Actor, id: number): Promise<ProposalRow> {
    return this.db.transaction(async (tx) => {
      const row = await lockProposal(tx, id);
      if (!row) throw notFound('proposal', id);
      const org = await findOrg(tx, row.org_id);
      assertCanWrite(actor.principal, org?.path ?? [], 'proposal', id);
      if (row.status !== 'scheduled' && row.status !== 'draft')
        throw conflict(`A ${row.status} proposal cannot be cancelled (only before it opens)`, [
          { field: 'status', message: `is ${row.status}` },
        ]);
      const cancelled = await markCancelled(tx, id, this.now());
      await recordAudit(tx, actor, {
        action: 'proposal.cancel',
        objectType: 'proposal',
        objectId: id,
        orgId: row.org_id,
        before: { status: row.status },
        after: { status: 'cancelled' },
      });
      return cancelled;
    });
  }

  // ---- time (../timers.ts) -----------------------------------------------------------------

  /** Opens a scheduled proposal whose time has come: freezes the electorate, announces it. */
  async openIfDue(id: number): Promise<boolean> {
    return this.timers.openIfDue(id);
  }

  /** Closes an open proposal past its closing time: counts, stores the result, announces it. */
  async closeIfDue(id: number): Promise<boolean> {
    return this.timers.closeIfDue(id);
  }

  /** Reminds the owners who have not voted, once per offset (marked on the row). */
  async remindIfDue(id: number, offset: number): Promise<boolean> {
    return this.timers.remindIfDue(id, offset);
  }

  /** The delayed jobs of a proposal's future moments (after COMMIT). */
  async schedule(row: ProposalRow): Promise<void> {
    return this.timers.schedule(row);
  }

  /** Runs a job (the worker's one entry). */
  async runJob(data: { proposalId: number; kind: string; offset?: number }): Promise<boolean> {
    return this.timers.runJob(data);
  }

  /**
   * At start and every minute: opens, closes and reminds whatever is due (a job the queue lost),
   * then re-adds the missing jobs of future moments.
   */
  async reconcile(): Promise<{ opened: number; closed: number; reminded: number; rescheduled: number }> {
    return this.timers.reconcile();
  }

  // ---- ballots (./ballots.ts) --------------------------------------------------------------

  /** Casts (or changes) a ballot under the proposal's row lock; throws AppError naming the field. */
  async cast(input: CastInput): Promise<CastOutcome> {
    return this.db.transaction((tx) => this.castIn(tx, input));
  }

  async castIn(tx: Queryable, input: CastInput): Promise<CastOutcome> {
    return castIn(tx, input, this.now);
  }

  /** A paper ballot entered by the owners' committee (an admin token of the compound). */
  async castPaper(actor: Actor, id: number, body: { personId: number; option: string; evidence: string }) {
    return castPaper(this.db, this.now, actor, id, body);
  }

  // ---- the log (../queries/audit.ts) -------------------------------------------------------

  /** The chain; a secret ballot's options stay sealed until closing (voters are pseudonyms). */
  async audit(p: Principal | null, id: number) {
    return auditLog(this.db, p, id);
  }

  /** Recomputes the chain and checks the current ballots against it. */
  async verify(p: Principal | null, id: number) {
    return verifyLog(this.db, p, id);
  }

  /** Whether a receipt is in the chain, and whether it is its voter's counted (last) ballot. */
  async receipt(p: Principal, id: number, code: string) {
    const row = await visibleProposal(this.db, p, id);
    return this.findReceipt(this.db, row, code);
  }

  async findReceipt(q: Queryable, row: ProposalRow, code: string) {
    return findReceipt(q, row, code);
  }

  /** A receipt typed in chat: searched in the votes of the chat's compound, else of the person. */
  async findReceiptFor(code: string, orgId: number | null, personId: number | null) {
    return findReceiptFor(this.db, code, orgId, personId);
  }

  // ---- reading (../queries/proposals.ts) ---------------------------------------------------

  async row(id: number, q: Queryable = this.db): Promise<ProposalRow | null> {
    return findProposal(q, id);
  }

  async electorate(q: Queryable, id: number): Promise<Voter[]> {
    return electorate(q, id);
  }

  async count(q: Queryable, row: ProposalRow): Promise<CountResult> {
    return countOf(q, row);
  }

  async turnout(q: Queryable, row: ProposalRow) {
    return turnoutOf(q, row);
  }

  /** Whether an open vote can still pass or can no longer fail (queries/proposals.ts `outlookOf`). */
  async outlook(q: Queryable, row: ProposalRow) {
    return outlookOf(q, row);
  }

  /** Open proposals of a compound (what a chat message can vote on). */
  async openIn(orgId: number): Promise<ProposalRow[]> {
    return openProposalsIn(this.db, orgId);
  }
}
