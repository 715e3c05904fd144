import { notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import { canSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Queryable } from '../../../kernel/db/db.js';
import { orgPath } from '../../orgs/index.js';
import { type ComplaintStatus, isOpen, type Level, stageOf } from '../lifecycle.js';
import { type ComplaintRow, complaintEvents, findComplaint, listComplaints, orgKind } from '../repository.js';

/** The filters of the complaint list over HTTP. */
export interface ComplaintListQuery {
  orgId?: number;
  status?: ComplaintStatus;
  level?: Level;
  category?: string;
  overdue?: boolean;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

/** Whether a token sees who filed an anonymous complaint (see `present`). */
async function seesAnonymous(q: Queryable, p: Principal): Promise<boolean> {
  if (p.kind === 'superuser') return true;
  return ['community', 'subdistrict', 'district', 'city'].includes((await orgKind(q, p.orgId)) ?? '');
}

/** A complaint with its timeline, if the token sees its compound or the org handling it. */
export async function complaintDetail(q: Queryable, now: () => Date, p: Principal, id: number) {
  const c = await findComplaint(q, id);
  if (!c) throw notFound('complaint', id);
  if (!(canSee(p, await orgPath(q, c.org_id)) || canSee(p, await orgPath(q, c.level_org_id)))) {
    throw notFound('complaint', id);
  }
  const reveal = await seesAnonymous(q, p);
  const events = await complaintEvents(q, id);
  const detail = {
    ...present(c, now(), reveal),
    events: events.map((e) => ({
      id: e.id,
      at: e.at,
      actor: e.actor_label,
      actorPersonId: c.anonymous && !reveal && e.actor_person_id === c.reporter_id ? null : e.actor_person_id,
      type: e.type,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      levelOrgId: e.level_org_id,
      note: e.note,
      photos: e.photos,
      // a move of who has it: who and which role after it, who before
      ...(e.type === 'assign' || e.type === 'transfer' || e.type === 'return' || e.assignee_id !== null
        ? { assigneeId: e.assignee_id, assignedRole: e.assigned_role, priorAssigneeId: e.prior_assignee_id }
        : {}),
    })),
  };
  // where each photo's bytes are: GET …/photos/<n>, n counting `photos`, then the timeline's
  const photoUrls = allPhotos(detail).map((_, n) => `/api/v1/complaints/${c.id}/photos/${n}`);
  return { ...detail, photoUrls };
}

/** A complaint's photos in the order `GET /complaints/:id/photos/:n` counts them: the resident's, then the timeline's after filing. */
export function allPhotos(c: { photos: string[]; events: { type: string; photos: string[] }[] }): string[] {
  return [...c.photos, ...c.events.filter((e) => e.type !== 'submitted').flatMap((e) => e.photos)];
}

/** A page of the complaints the token sees (by compound or by handling level), newest first. */
export async function complaintList(q: Queryable, clock: () => Date, p: Principal, f: ComplaintListQuery) {
  if (f.orgId !== undefined) await requireOrg(q, p, f.orgId, { field: 'orgId' });
  const scope = f.orgId ?? scopeOrgId(p);
  const now = clock();
  const rows = await listComplaints(q, {
    scope,
    status: f.status ?? null,
    level: f.level ?? null,
    category: f.category ?? null,
    overdue: f.overdue ?? null,
    from: f.from ?? null,
    to: f.to ?? null,
    before: decodeCursor(f.cursor),
    now,
    limit: f.limit + 1,
  });
  const reveal = await seesAnonymous(q, p);
  return page(
    rows.map((c) => present(c, now, reveal)),
    f.limit,
  );
}

/**
 * An anonymous reporter is hidden from handlers below the community level (and every group):
 * only a superuser or a token of a community or above sees who it was.
 */
function present(c: ComplaintRow, now: Date, revealAnonymous: boolean) {
  const stage = stageOf(c.status);
  const late =
    c.overdue ||
    (isOpen(c.status) &&
      ((stage === 'ack' && !!c.ack_due_at && c.ack_due_at <= now) ||
        (!!c.resolve_due_at && c.resolve_due_at <= now)));
  return {
    id: c.id,
    number: c.number,
    orgId: c.org_id,
    levelOrgId: c.level_org_id,
    level: c.level,
    status: c.status,
    version: c.version,
    category: c.category,
    description: c.description,
    location: c.building ? { building: c.building, unit: c.unit_no, room: c.room } : null,
    photos: c.photos,
    anonymous: c.anonymous,
    reporterId: c.anonymous && !revealAnonymous ? null : c.reporter_id,
    assigneeId: c.assignee_id,
    assignedRole: c.assigned_role,
    createdAt: c.created_at,
    ackDueAt: c.ack_due_at,
    resolveDueAt: c.resolve_due_at,
    acknowledgedAt: c.acknowledged_at,
    resolvedAt: c.resolved_at,
    closedAt: c.closed_at,
    overdue: late,
    escalations: c.escalations,
    reopenCount: c.reopen_count,
    rating: c.rating,
  };
}
