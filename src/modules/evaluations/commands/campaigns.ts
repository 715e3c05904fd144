import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict } from '../../../kernel/access/errors.js';
import { requireInScope, requireOrg } from '../../../kernel/access/in-scope.js';
import type { Actor, Principal } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { AnyMoment } from '../../../kernel/moments/moment.js';
import { Moments } from '../../../kernel/moments/moments.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { resolveCriteria } from '../criteria.js';
import {
  campaignMoments,
  closeIfDue,
  onCampaignJob,
  openIfDue,
  reconcileCampaigns,
  scheduleCampaign,
  unscheduleCampaign,
} from '../moments.js';
import {
  getCampaignView,
  listCampaignViews,
  presentCampaign,
  visibleCampaign,
  writableCampaign,
} from '../queries/campaigns.js';
import { computeResults, rankingOf } from '../queries/results.js';
import {
  companyAt,
  contractedCompounds,
  insertCampaign,
  insertTarget,
  lockCampaign,
  markCancelled,
  moveClosingTo,
} from '../repository.js';
import type {
  CampaignRow,
  CampaignSettings,
  CreateCampaignBody,
  EvaluationDeps,
  Notifier,
  Ranking,
  Refusal,
  Results,
} from '../schema.js';
import { DEFAULT_LIST_SIZE, DEFAULT_WEIGHTS, round2 } from '../scoring.js';
import { campaignForResident, type ResponseInput, recordResponse, respondOnPaper } from './responses.js';

// the types the tests have always imported from here (they live in schema.ts)
export type { CampaignRow, Notifier, Results } from '../schema.js';

const GRACE_MS = 60_000;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Evaluation campaigns (see schema.ts for their life): the one service the app, the HTTP routes,
 * the flow actions and the worker call. Its methods delegate to the module's parts, which share
 * one `EvaluationDeps`: the campaign commands below; responses (`commands/responses.ts`); the
 * views and results (`queries/`); opening, closing and the reconciler (`moments.ts`).
 */
export class EvaluationService {
  private readonly deps: EvaluationDeps;

  constructor(db: Db, queues: QueueBackend, notifier: Notifier, now: () => Date = () => new Date()) {
    const of = campaignMoments((x) => onCampaignJob(this.deps, x));
    this.deps = { db, notifier, now, moments: { scheduler: new Moments(queues, now), of } };
    this.moments = Object.values(of);
  }

  /** Its moments, for the worker (startEvaluationWorker). */
  readonly moments: AnyMoment[];

  // campaigns over HTTP
  create(actor: Actor, body: CreateCampaignBody) {
    return createCampaign(this.deps, actor, body);
  }
  list(p: Principal, f: { orgId?: number; status?: CampaignRow['status']; limit?: number; cursor?: string }) {
    return listCampaignViews(this.deps.db, p, f);
  }
  get(p: Principal, id: number) {
    return getCampaignView(this.deps.db, p, id);
  }
  cancel(actor: Actor, id: number) {
    return cancelCampaign(this.deps, actor, id);
  }
  /** Closes an open campaign now (before its closing time): the report goes out as at a normal close. */
  closeNow(actor: Actor, id: number) {
    return closeCampaignNow(this.deps, actor, id);
  }

  // responses
  /** A response entered over the API (a paper form collected door to door): 400/409 on any problem. */
  respond(
    actor: Actor,
    id: number,
    body: {
      unitId: number;
      personId?: number | null;
      scores: Record<string, unknown>;
      comment?: string | null;
    },
  ) {
    return respondOnPaper(this.deps, actor, id, body);
  }
  /** Records one unit's response inside the caller's transaction (see `recordResponse`). */
  record(
    tx: Queryable,
    r: ResponseInput,
  ): Promise<{ ok: true; id: number } | { ok: false; refusal: Refusal }> {
    return recordResponse(this.deps, tx, r);
  }
  /** The campaign a resident answers and the unit they answer for (see `campaignForResident`). */
  forResident(q: Queryable, personId: number, campaignId: number | null, chatOrgId: number | null = null) {
    return campaignForResident(this.deps, q, personId, campaignId, chatOrgId);
  }

  // opening and closing: jobs, worker, reconciler
  /** The delayed jobs of a scheduled or open campaign (after COMMIT); re-adding one is a no-op. */
  schedule(c: CampaignRow): Promise<void> {
    return scheduleCampaign(this.deps, c);
  }
  /** Opens a scheduled campaign whose time has come; then announces it (if not yet). */
  openIfDue(id: number): Promise<boolean> {
    return openIfDue(this.deps, id);
  }
  /** Closes an open campaign past its closing time; then reports it (if not yet). */
  closeIfDue(id: number): Promise<boolean> {
    return closeIfDue(this.deps, id);
  }
  /** The worker's entry for a job. */
  onJob(data: { campaignId: number; stage: string }): Promise<boolean> {
    return onCampaignJob(this.deps, data);
  }
  /** At start and every minute: what is due, unfinished announcements and reports, lost jobs. */
  reconcile(): Promise<{ opened: number; closed: number; rescheduled: number }> {
    return reconcileCampaigns(this.deps);
  }

  // results and ranking
  async results(p: Principal, id: number): Promise<Results> {
    return computeResults(this.deps, await visibleCampaign(this.deps.db, p, id));
  }
  async ranking(p: Principal, id: number, by?: 'company' | 'compound'): Promise<Ranking> {
    const r = await this.results(p, id);
    return rankingOf(r, by ?? (r.companies.length > 0 ? 'company' : 'compound'));
  }
  compute(c: CampaignRow): Promise<Results> {
    return computeResults(this.deps, c);
  }
}

// -------------------------------------------------------------------------------------------------
// campaign commands

async function createCampaign(d: EvaluationDeps, actor: Actor, body: CreateCampaignBody) {
  const org = await requireOrg(d.db, actor.principal, body.orgId, { field: 'orgId', write: true });
  const now = d.now();
  if (body.opensAt.getTime() < now.getTime() - GRACE_MS)
    throw badRequest('opensAt is in the past', [{ field: 'opensAt', message: 'must not be in the past' }]);
  if (body.closesAt.getTime() <= body.opensAt.getTime())
    throw badRequest('closesAt must be after opensAt', [
      { field: 'closesAt', message: 'must be after opensAt' },
    ]);
  const criteria = resolveCriteria(body.criteria);
  const weights = body.weights ?? DEFAULT_WEIGHTS;
  const sum = weights.survey + weights.onTime + weights.satisfaction;
  if (Math.abs(sum - 1) > 1e-6 || weights.survey <= 0)
    throw badRequest('weights must add up to 1 with a survey share above 0', [
      { field: 'weights', message: `survey + onTime + satisfaction = ${round2(sum)}, must be 1` },
    ]);
  const complaintsTo = body.complaintsTo ?? body.closesAt;
  const complaintsFrom = body.complaintsFrom ?? new Date(complaintsTo.getTime() - YEAR_MS);
  if (complaintsFrom >= complaintsTo)
    throw badRequest('complaintsFrom must be before complaintsTo', [
      { field: 'complaintsFrom', message: 'must be before complaintsTo' },
    ]);
  const settings: CampaignSettings = {
    weights,
    listSize: body.listSize ?? DEFAULT_LIST_SIZE,
    complaintsFrom: complaintsFrom.toISOString(),
    complaintsTo: complaintsTo.toISOString(),
  };
  const row = await d.db.transaction(async (tx) => {
    const targets = await campaignTargets(tx, actor.principal, org.path, body);
    const c = await insertCampaign(tx, {
      orgId: body.orgId,
      companyId: body.companyId ?? null,
      title: body.title ?? `${org.name}物业服务评价`,
      criteria,
      settings,
      opensAt: body.opensAt,
      closesAt: body.closesAt,
    });
    for (const t of targets) await insertTarget(tx, c.id, t);
    await recordAudit(tx, actor, {
      action: 'evaluation.create',
      objectType: 'evaluation',
      objectId: c.id,
      orgId: c.org_id,
      after: { ...c, targets },
    });
    return c;
  });
  await scheduleCampaign(d, row);
  return presentCampaign(d.db, row);
}

/** The compounds of the campaign and the company serving each on the opening day (Asia/Shanghai). */
async function campaignTargets(
  tx: Queryable,
  p: Principal,
  scopePath: number[],
  body: CreateCampaignBody,
): Promise<{ compoundId: number; companyId: number | null }[]> {
  const scopeId = scopePath[scopePath.length - 1]!;
  if (body.companyId !== undefined)
    await requireInScope(tx, p, 'property_company', body.companyId, { field: 'companyId' });
  if (body.compoundIds !== undefined) {
    const ids = [...new Set(body.compoundIds)];
    const out: { compoundId: number; companyId: number | null }[] = [];
    for (const [i, id] of ids.entries()) {
      const o = await requireOrg(tx, p, id, { field: `compoundIds.${i}` });
      if (o.kind !== 'compound' || !o.path.includes(scopeId))
        throw badRequest(`compoundIds.${i} is not a compound inside org ${scopeId}`, [
          { field: `compoundIds.${i}`, message: 'not a compound inside orgId' },
        ]);
      const companyId = await companyAt(tx, id, body.opensAt);
      if (body.companyId !== undefined && companyId !== body.companyId)
        throw badRequest(`compoundIds.${i} is not served by company ${body.companyId}`, [
          {
            field: `compoundIds.${i}`,
            message: 'not under contract with companyId when the campaign opens',
          },
        ]);
      out.push({ compoundId: id, companyId });
    }
    if (out.length === 0)
      throw badRequest('The campaign has no compound', [{ field: 'compoundIds', message: 'empty' }]);
    return out;
  }
  const rows = await contractedCompounds(tx, scopeId, body.companyId ?? null, body.opensAt);
  if (rows.length === 0) {
    throw badRequest(
      'No compound in scope: no property company under contract there when the campaign opens',
      [
        body.companyId !== undefined
          ? {
              field: 'companyId',
              message: 'has no compound under contract inside orgId when the campaign opens',
            }
          : {
              field: 'orgId',
              message: 'no compound inside it has a property company under contract; give compoundIds',
            },
      ],
    );
  }
  return rows.map((r) => ({ compoundId: r.compound_id, companyId: r.company_id }));
}

async function cancelCampaign(d: EvaluationDeps, actor: Actor, id: number) {
  await writableCampaign(d.db, actor.principal, id);
  const row = await d.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id);
    if (c.status !== 'scheduled' && c.status !== 'open')
      throw conflict(`A ${c.status} campaign cannot be cancelled`, [{ field: 'status', message: c.status }]);
    const cancelled = await markCancelled(tx, id, d.now());
    await recordAudit(tx, actor, {
      action: 'evaluation.cancel',
      objectType: 'evaluation',
      objectId: id,
      orgId: c.org_id,
      before: { status: c.status },
      after: { status: 'cancelled' },
    });
    return cancelled;
  });
  await unscheduleCampaign(d, id);
  return presentCampaign(d.db, row);
}

async function closeCampaignNow(d: EvaluationDeps, actor: Actor, id: number) {
  await writableCampaign(d.db, actor.principal, id);
  await d.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id);
    if (c.status !== 'open')
      throw conflict(`Only an open campaign can be closed (this one is ${c.status})`, [
        { field: 'status', message: c.status },
      ]);
    await moveClosingTo(tx, id, d.now());
    await recordAudit(tx, actor, {
      action: 'evaluation.close',
      objectType: 'evaluation',
      objectId: id,
      orgId: c.org_id,
      before: { closesAt: c.closes_at },
    });
  });
  await closeIfDue(d, id);
  return getCampaignView(d.db, actor.principal, id);
}
