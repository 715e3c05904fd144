import { AppError, badRequest, notFound } from '../../../kernel/access/errors.js';
import { requirePerson } from '../../../kernel/access/in-scope.js';
import {
  type Actor,
  assertWriter,
  canSee,
  canWrite,
  type Principal,
} from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import { orgPath } from '../../orgs/index.js';
import { deadlinesFrom, policySetting } from '../escalation-policy.js';
import {
  type ComplaintAction,
  HANDLER_ROLES,
  type HandlerRole,
  LEVELS,
  type Level,
  levelAbove,
  nextStatus,
  stageOf,
} from '../lifecycle.js';
import { type ComplaintListQuery, complaintDetail, complaintList } from '../queries/complaints.js';
import {
  type ComplaintRow,
  handlesComplaint,
  insertComplaintEvent,
  levelOrgId,
  lockComplaint,
  staleComplaint,
  updateComplaint,
} from '../repository.js';
import { roleHeldFor } from '../repository-dispatch.js';
import { oweNotice } from '../repository-owed-notices.js';
import { policiesFor } from '../repository-settings.js';
import { ComplaintDeadlines, type TransitionBody, type TransitionBy } from './deadlines.js';

export type { ComplaintRow } from '../repository.js';
export { BUCKET_MS, bucketJobId, bucketOf } from './deadline-buckets.js';

export interface ActionBody {
  action: Exclude<ComplaintAction, 'escalate' | 'grab'>;
  note?: string;
  assigneeId?: number;
  /** transfer: the handler role it is handed to, instead of a person */
  role?: HandlerRole;
  photos?: string[];
  /** the version the caller saw; a mismatch is 409 */
  version?: number;
}

/**
 * The closed loop: transitions with optimistic concurrency (two handlers accepting at once: one
 * wins, the other gets 409), a timeline event for every change, and the deadlines of the current
 * level on the row, written in the same transaction. After COMMIT a delayed job for the second of
 * each running deadline is added (`deadlines-at-<ms>`, per 100 ms, shared by every complaint due then);
 * the worker and the reconciler escalate only through `escalateDue`/`escalateIfDue`, which re-read
 * the rows and do nothing unless a deadline still running has passed.
 *
 * The service is one façade over three files: the transitions here, the deadline machine it
 * extends (./deadlines.ts), and the read side (../queries/complaints.ts); the SQL is in
 * ../repository.ts.
 */
export class ComplaintService extends ComplaintDeadlines {
  async act(actor: Actor, id: number, body: ActionBody): Promise<ComplaintRow> {
    const updated = await this.db.transaction(async (tx) => {
      const c = await lockComplaint(tx, id);
      const levelOrg = await orgPath(tx, c.level_org_id);
      const compound = await orgPath(tx, c.org_id);
      // the handling level's org or the compound must be inside the token's subtree
      if (!canWrite(actor.principal, levelOrg) && !canWrite(actor.principal, compound)) {
        if (!canSee(actor.principal, levelOrg) && !canSee(actor.principal, compound))
          throw notFound('complaint', id);
        assertWriter(actor.principal);
      }
      if (body.assigneeId !== undefined)
        await requirePerson(tx, actor.principal, body.assigneeId, { field: 'assigneeId' });
      if (body.version !== undefined && body.version !== c.version) throw staleComplaint(c);
      return this.transition(tx, c, body, { label: actor.principal.label, tokenId: actor.principal.tokenId });
    });
    await this.afterChange(updated);
    return updated;
  }

  /** Applies one transition to a locked row: status, deadlines, event; optimistic on version. */
  async transition(
    tx: Queryable,
    c: ComplaintRow,
    body: TransitionBody,
    by: TransitionBy,
  ): Promise<ComplaintRow> {
    const to = nextStatus(c.status, body.action);
    if (!to) {
      throw new AppError(
        409,
        'invalid_transition',
        `A ${c.status} complaint cannot be ${past(body.action)}`,
        [{ field: 'action', message: `not allowed from ${c.status}` }],
      );
    }
    if (body.action === 'reject' && !body.note?.trim()) {
      throw badRequest('A rejection needs a reason', [{ field: 'note', message: 'required to reject' }]);
    }
    if (body.action === 'return' && !body.note?.trim()) {
      throw badRequest('A return needs a reason', [{ field: 'note', message: 'required to return' }]);
    }
    const now = this.now();
    const set: Partial<ComplaintRow> = { status: to };
    let type: string = body.action;
    /** who has it after a move of who has it (recorded on the event) */
    let moved = false;
    const hand = (assignee: number | null, role: string | null) => {
      set.assignee_id = assignee;
      set.assigned_role = role;
      moved = true;
    };
    const chain = await policiesFor(tx, c.org_id);
    const enterLevel = async (l: Level) => {
      const d = deadlinesFrom(chain, l, c.category, now);
      Object.assign(set, {
        level: l,
        level_org_id: await levelOrgId(tx, c.org_id, l),
        ack_due_at: d.ackDueAt,
        resolve_due_at: d.resolveDueAt,
        ack_warn_at: d.ackWarnAt,
        resolve_warn_at: d.resolveWarnAt,
        acknowledged_at: null,
        overdue: false,
      });
    };
    switch (body.action) {
      case 'accept':
        set.acknowledged_at = now;
        // a person accepting what nobody has takes it: the warnings and reminders go to them
        if (by.personId && c.assignee_id === null) hand(by.personId, null);
        break;
      case 'grab':
        if (!by.personId)
          throw badRequest('Only a person can take a complaint', [
            { field: 'personId', message: 'required' },
          ]);
        // the first press wins under the row lock; a returned (accepted) one is taken only while nobody has it
        if (c.assignee_id !== null)
          throw new AppError(409, 'taken', `Complaint ${c.number} was already taken`, [
            { field: 'action', message: 'someone has it' },
          ]);
        if (c.status !== 'accepted') set.acknowledged_at = now;
        hand(by.personId, null);
        break;
      case 'transfer':
        await this.checkTransfer(tx, c, body);
        hand(body.assigneeId ?? null, body.assigneeId ? null : body.role!);
        break;
      case 'return':
        if (c.assignee_id === null && c.assigned_role === null)
          throw new AppError(409, 'not_assigned', `Nobody has complaint ${c.number}: nothing to return`, [
            { field: 'action', message: 'nobody has it' },
          ]);
        hand(null, null);
        break;
      case 'resolve':
        set.resolved_at = now;
        break;
      case 'close':
        set.closed_at = now;
        break;
      case 'assign':
        if (!body.assigneeId)
          throw badRequest('Assign needs assigneeId', [{ field: 'assigneeId', message: 'required' }]);
        hand(body.assigneeId, null);
        break;
      case 'appeal':
        await enterLevel(levelAbove(c.level) ?? c.level);
        break;
      case 'reopen': {
        set.reopen_count = c.reopen_count + 1;
        set.resolved_at = null;
        const above = levelAbove(c.level);
        if (set.reopen_count > policySetting(chain, 'maxReopens') && above) {
          await enterLevel(above);
          set.escalations = c.escalations + 1;
          type = 'reopened_escalated';
        } else {
          await enterLevel(c.level);
        }
        break;
      }
      case 'escalate': {
        const above = levelAbove(c.level);
        if (above) {
          await enterLevel(above);
          set.escalations = c.escalations + 1;
        } else {
          set.overdue = true;
          set.overdue_reminded_at = now; // the overdue notice is the first reminder
          type = 'overdue';
        }
        break;
      }
    }
    // a warning belongs to a deadline that still runs: none once acknowledged, none once settled
    if (stageOf(to) !== 'ack' || set.overdue) set.ack_warn_at = null;
    if (stageOf(to) === null || set.overdue) set.resolve_warn_at = null;
    const updated = await updateComplaint(tx, c, set);
    await insertComplaintEvent(tx, {
      complaintId: c.id,
      personId: by.personId ?? null,
      label: by.label,
      tokenId: by.tokenId ?? null,
      type,
      from: c.status,
      to,
      levelOrgId: updated.level_org_id,
      note: body.note ?? null,
      photos: body.photos ?? [],
      move: moved
        ? { assigneeId: updated.assignee_id, priorAssigneeId: c.assignee_id, role: updated.assigned_role }
        : undefined,
    });
    // this change owes its notices until afterChange has sent them (the reconciler's, after a crash)
    await oweNotice(tx, updated.id, updated.version);
    return updated;
  }

  /**
   * A transfer names exactly one of a person (who handles complaints at its level or above) or a
   * handler role (that someone there holds), and not who has it already: else 400 naming the field.
   */
  private async checkTransfer(tx: Queryable, c: ComplaintRow, body: TransitionBody): Promise<void> {
    const { assigneeId, role } = body;
    if ((assigneeId === undefined) === (role === undefined))
      throw badRequest('A transfer names a person or a role', [
        {
          field: assigneeId === undefined ? 'assigneeId' : 'role',
          message: 'give assigneeId or role, not both',
        },
      ]);
    if (assigneeId !== undefined) {
      if (assigneeId === c.assignee_id)
        throw badRequest('They have it already', [{ field: 'assigneeId', message: 'already the assignee' }]);
      if (!(await handlesComplaint(tx, assigneeId, c.id)))
        throw badRequest('They do not handle complaints at its level', [
          { field: 'assigneeId', message: 'holds no handler role at the complaint’s level or above' },
        ]);
      return;
    }
    if (!(HANDLER_ROLES as readonly string[]).includes(role!))
      throw badRequest('Not a handler role', [
        { field: 'role', message: `one of ${HANDLER_ROLES.join(', ')}` },
      ]);
    if (role === c.assigned_role && c.assignee_id === null)
      throw badRequest('It is with that role already', [
        { field: 'role', message: 'already assigned to it' },
      ]);
    if (!(await roleHeldFor(tx, c.id, role!)))
      throw badRequest('Nobody holds that role at its level', [
        { field: 'role', message: 'nobody holds it at the complaint’s level or above' },
      ]);
  }

  /** The reporter's rating: 满意/基本满意 close it, 不满意 reopens it (in the caller's transaction). */
  async rate(
    tx: Queryable,
    id: number,
    rating: 'satisfied' | 'basically_satisfied' | 'dissatisfied',
    comment: string | null,
    personId: number | null,
  ): Promise<ComplaintRow> {
    const c = await lockComplaint(tx, id);
    const rated = await updateComplaint(tx, c, { rating, rating_comment: comment, rated_at: this.now() });
    return this.transition(
      tx,
      rated,
      { action: rating === 'dissatisfied' ? 'reopen' : 'close', note: comment ?? undefined },
      { label: 'reporter', personId },
    );
  }

  async get(p: Principal, id: number) {
    return complaintDetail(this.db, this.now, p, id);
  }

  async list(p: Principal, f: ComplaintListQuery) {
    return complaintList(this.db, this.now, p, f);
  }
}

function past(action: ComplaintAction): string {
  const words: Record<ComplaintAction, string> = {
    accept: 'accepted',
    grab: 'taken',
    start: 'started',
    resolve: 'resolved',
    reject: 'rejected',
    appeal: 'appealed',
    reopen: 'reopened',
    close: 'closed',
    withdraw: 'withdrawn',
    assign: 'assigned',
    transfer: 'transferred',
    return: 'returned',
    note: 'noted',
    escalate: 'escalated',
  };
  return words[action];
}

export { LEVELS };
