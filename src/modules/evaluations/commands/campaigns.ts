import { recordAudit } from '../../../kernel/access/audit.js';
import { type AppError, badRequest, conflict, notFound } from '../../../kernel/access/errors.js';
import { outOfScope, requireInScope, requireOrg, requirePerson } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  assertWriter,
  canSee,
  type Principal,
  SYSTEM_ACTOR,
  scopeOrgId,
} from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import type { QueueBackend } from '../../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../../kernel/queue/names.js';
import { CHINA_TIME_ZONE, civilDate } from '../../../kernel/time/zone.js';
import { ComplaintMetricsService, type Rate } from '../../complaints/index.js';
import { findOrg } from '../../orgs/index.js';
import { type Criterion, type CriterionInput, checkScores, resolveCriteria } from '../criteria.js';
import {
  combinedScore,
  DEFAULT_LIST_SIZE,
  DEFAULT_WEIGHTS,
  mean,
  type Ranked,
  rank,
  redBlack,
  round2,
  type Weights,
} from '../scoring.js';

/**
 * Evaluation campaigns of property companies (物业服务评价).
 *
 * The campaign row is the source of truth: `scheduled` → `open` (at `opens_at`) → `closed` (at
 * `closes_at`, or earlier by an admin), or `cancelled`. Delayed jobs `evaluation-<id>-open` and
 * `evaluation-<id>-close` only wake the worker, which re-reads the row (`openIfDue`,
 * `closeIfDue`); the reconciler (at start and every minute) does whatever is due and re-adds
 * lost jobs. After opening the residents are told (`announced_at`), after closing the owners'
 * committee gets the report (`reported_at`); both go through the outbox with idempotency keys
 * and are retried by the reconciler until the stamp is set, so nothing is lost or sent twice.
 *
 * One response per unit: the first response of a unit counts; a second one (same or another
 * resident of the unit) is refused with a clear message — the unique constraint decides a race.
 */
export interface CampaignRow {
  id: number;
  org_id: number;
  company_id: number | null;
  title: string;
  criteria: Criterion[];
  settings: CampaignSettings;
  opens_at: Date;
  closes_at: Date;
  status: 'scheduled' | 'open' | 'closed' | 'cancelled';
  opened_at: Date | null;
  closed_at: Date | null;
  announced_at: Date | null;
  reported_at: Date | null;
  created_at: Date;
}

export interface CampaignSettings {
  weights: Weights;
  listSize: number;
  complaintsFrom: string;
  complaintsTo: string;
}

export interface CreateCampaignBody {
  orgId: number;
  title?: string;
  companyId?: number;
  compoundIds?: number[];
  criteria?: CriterionInput[];
  weights?: Weights;
  listSize?: number;
  opensAt: Date;
  closesAt: Date;
  complaintsFrom?: Date;
  complaintsTo?: Date;
}

/** The refusals a response can meet (chat turns them into messages, HTTP into 4xx). */
export type Refusal = 'not_open' | 'closed' | 'cancelled' | 'duplicate' | 'not_in_scope';

export interface Notifier {
  announce(c: CampaignRow): Promise<void>;
  report(c: CampaignRow, results: Results): Promise<void>;
}

export interface SubjectResult {
  id: number;
  name: string;
  companyId?: number | null;
  companyName?: string | null;
  compoundIds?: number[];
  units: number;
  responses: number;
  responseRate: number | null;
  means: Record<string, number | null>;
  overall: number | null;
  onTime: Rate;
  satisfaction: Rate;
  score: number | null;
}

export interface Results {
  campaignId: number;
  title: string;
  status: CampaignRow['status'];
  criteria: Criterion[];
  weights: Weights;
  listSize: number;
  complaintsFrom: string;
  complaintsTo: string;
  generatedAt: Date;
  compounds: SubjectResult[];
  companies: SubjectResult[];
}

export interface Ranking {
  campaignId: number;
  by: 'company' | 'compound';
  weights: Weights;
  listSize: number;
  items: Ranked<SubjectResult>[];
  red: Ranked<SubjectResult>[];
  black: Ranked<SubjectResult>[];
}

const GRACE_MS = 60_000;
const YEAR_MS = 365 * 24 * 3600 * 1000;

export class EvaluationService {
  constructor(
    private readonly db: Db,
    private readonly queues: QueueBackend | null,
    private readonly notifier: Notifier | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---------------------------------------------------------------------------------------------
  // campaigns over HTTP

  async create(actor: Actor, body: CreateCampaignBody) {
    const org = await requireOrg(this.db, actor.principal, body.orgId, { field: 'orgId', write: true });
    const now = this.now();
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
    const row = await this.db.transaction(async (tx) => {
      const targets = await this.targets(tx, actor.principal, org.path, body);
      const { rows } = await tx.query<CampaignRow>(
        `INSERT INTO linli.evaluation_campaigns (org_id, company_id, title, criteria, settings, opens_at, closes_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [
          body.orgId,
          body.companyId ?? null,
          body.title ?? `${org.name}物业服务评价`,
          JSON.stringify(criteria),
          JSON.stringify(settings),
          body.opensAt,
          body.closesAt,
        ],
      );
      const c = rows[0]!;
      for (const t of targets) {
        await tx.query(
          'INSERT INTO linli.evaluation_targets (campaign_id, compound_id, company_id) VALUES ($1, $2, $3)',
          [c.id, t.compoundId, t.companyId],
        );
      }
      await recordAudit(tx, actor, {
        action: 'evaluation.create',
        objectType: 'evaluation',
        objectId: c.id,
        orgId: c.org_id,
        after: { ...c, targets },
      });
      return c;
    });
    await this.schedule(row);
    return this.present(this.db, row);
  }

  /** The compounds of the campaign and the company serving each on the opening day (Asia/Shanghai). */
  private async targets(
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
    const { rows } = await tx.query<{ compound_id: number; company_id: number }>(
      `SELECT DISTINCT ON (k.compound_id) k.compound_id, k.company_id
       FROM linli.property_contracts k JOIN linli.orgs o ON o.id = k.compound_id
       WHERE o.path @> ARRAY[$1::bigint] AND ($2::bigint IS NULL OR k.company_id = $2)
         AND k.starts_on <= $3::date AND (k.ends_on IS NULL OR k.ends_on >= $3::date)
       ORDER BY k.compound_id, k.starts_on DESC`,
      [scopeId, body.companyId ?? null, civilDate(body.opensAt, CHINA_TIME_ZONE)],
    );
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

  async list(
    p: Principal,
    f: { orgId?: number; status?: CampaignRow['status']; limit?: number; cursor?: string },
  ) {
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const scope = f.orgId ?? scopeOrgId(p);
    const limit = f.limit ?? 50;
    const { rows } = await this.db.query<CampaignRow>(
      `SELECT c.* FROM linli.evaluation_campaigns c JOIN linli.orgs o ON o.id = c.org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR c.status = $2)
         AND ($3::bigint IS NULL OR c.id < $3)
       ORDER BY c.id DESC LIMIT $4`,
      [scope, f.status ?? null, decodeCursor(f.cursor), limit + 1],
    );
    const items = [];
    for (const r of rows) items.push(await this.present(this.db, r));
    return page(items, limit);
  }

  async get(p: Principal, id: number) {
    return this.present(this.db, await this.visible(p, id));
  }

  async cancel(actor: Actor, id: number) {
    await this.writable(actor.principal, id);
    const row = await this.db.transaction(async (tx) => {
      const c = await lockCampaign(tx, id);
      if (c.status !== 'scheduled' && c.status !== 'open')
        throw conflict(`A ${c.status} campaign cannot be cancelled`, [
          { field: 'status', message: c.status },
        ]);
      const { rows } = await tx.query<CampaignRow>(
        `UPDATE linli.evaluation_campaigns SET status = 'cancelled', closed_at = $2 WHERE id = $1 RETURNING *`,
        [id, this.now()],
      );
      await recordAudit(tx, actor, {
        action: 'evaluation.cancel',
        objectType: 'evaluation',
        objectId: id,
        orgId: c.org_id,
        before: { status: c.status },
        after: { status: 'cancelled' },
      });
      return rows[0]!;
    });
    if (this.queues) {
      const q = this.queues.queue(QueueName.evaluations);
      for (const stage of ['open', 'close']) await q.remove(jobId('evaluation', id, stage)).catch(() => 0);
    }
    return this.present(this.db, row);
  }

  /** Closes an open campaign now (before its closing time): the report goes out as at a normal close. */
  async closeNow(actor: Actor, id: number) {
    await this.writable(actor.principal, id);
    await this.db.transaction(async (tx) => {
      const c = await lockCampaign(tx, id);
      if (c.status !== 'open')
        throw conflict(`Only an open campaign can be closed (this one is ${c.status})`, [
          { field: 'status', message: c.status },
        ]);
      await tx.query(
        "UPDATE linli.evaluation_campaigns SET closes_at = greatest($2, opens_at + interval '1 millisecond') WHERE id = $1",
        [id, this.now()],
      );
      await recordAudit(tx, actor, {
        action: 'evaluation.close',
        objectType: 'evaluation',
        objectId: id,
        orgId: c.org_id,
        before: { closesAt: c.closes_at },
      });
    });
    await this.closeIfDue(id);
    return this.get(actor.principal, id);
  }

  /** A response entered over the API (a paper form collected door to door): 400/409 on any problem. */
  async respond(
    actor: Actor,
    id: number,
    body: {
      unitId: number;
      personId?: number | null;
      scores: Record<string, unknown>;
      comment?: string | null;
    },
  ) {
    const c = await findCampaign(this.db, id);
    if (!c) throw notFound('evaluation', id);
    const { rows: units } = await this.db.query<{
      compound_id: number;
      path: (string | number)[];
      in_campaign: boolean;
    }>(
      `SELECT u.compound_id, b.path, EXISTS (SELECT 1 FROM linli.evaluation_targets t
         WHERE t.campaign_id = $2 AND t.compound_id = u.compound_id) AS in_campaign
       FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id WHERE u.id = $1`,
      [body.unitId, id],
    );
    const unit = units[0] && canSee(actor.principal, units[0].path.map(Number)) ? units[0] : null;
    // the campaign's scope, or a compound of the campaign (its staff enter their paper forms)
    const campaignOrg = await findOrg(this.db, c.org_id);
    if (!canSee(actor.principal, campaignOrg!.path) && !unit?.in_campaign) throw notFound('evaluation', id);
    // a unit outside the token's subtree is answered like one that does not exist
    if (!unit) throw outOfScope('unit', body.unitId, 'unitId');
    assertWriter(actor.principal);
    if (body.personId) await requirePerson(this.db, actor.principal, body.personId, { field: 'personId' });
    const scores = checkScores(c.criteria, body.scores);
    const result = await this.db.transaction(async (tx) => {
      const r = await this.record(tx, {
        campaignId: id,
        unitId: body.unitId,
        personId: body.personId ?? null,
        scores,
        comment: body.comment ?? null,
        channel: 'api',
      });
      if (r.ok)
        await recordAudit(tx, actor, {
          action: 'evaluation.paper_response',
          objectType: 'evaluation',
          objectId: id,
          orgId: unit.compound_id,
          after: { responseId: r.id, unitId: body.unitId, scores },
        });
      return r;
    });
    if (!result.ok) throw refusalError(result.refusal);
    return { id: result.id, campaignId: id, unitId: body.unitId, scores };
  }

  /**
   * Records one unit's response inside the caller's transaction, if the campaign is open and the
   * unit is in it and has not answered yet. Holds the campaign row FOR SHARE, so a closing (FOR
   * UPDATE) waits for it, and a response never lands after the close committed.
   */
  async record(
    tx: Queryable,
    r: {
      campaignId: number;
      unitId: number;
      personId: number | null;
      scores: Record<string, number>;
      comment: string | null;
      channel: string;
    },
  ): Promise<{ ok: true; id: number } | { ok: false; refusal: Refusal }> {
    const { rows } = await tx.query<CampaignRow>(
      'SELECT * FROM linli.evaluation_campaigns WHERE id = $1 FOR SHARE',
      [r.campaignId],
    );
    const refusal = campaignRefusal(rows[0], this.now());
    if (refusal) return { ok: false, refusal };
    const { rows: target } = await tx.query<{ compound_id: number }>(
      `SELECT t.compound_id FROM linli.evaluation_targets t JOIN linli.units u ON u.compound_id = t.compound_id
       WHERE t.campaign_id = $1 AND u.id = $2`,
      [r.campaignId, r.unitId],
    );
    if (!target[0]) return { ok: false, refusal: 'not_in_scope' };
    const { rows: inserted } = await tx.query<{ id: number }>(
      `INSERT INTO linli.evaluation_responses (campaign_id, compound_id, unit_id, person_id, scores, comment, channel)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ON CONSTRAINT evaluation_responses_one_per_unit DO NOTHING RETURNING id`,
      [
        r.campaignId,
        target[0].compound_id,
        r.unitId,
        r.personId,
        JSON.stringify(r.scores),
        r.comment,
        r.channel,
      ],
    );
    if (!inserted[0]) return { ok: false, refusal: 'duplicate' };
    return { ok: true, id: inserted[0].id };
  }

  // ---------------------------------------------------------------------------------------------
  // chat: which campaign and which unit a resident answers for

  /**
   * The campaign a resident answers (the one named, else the open one of their compounds opened
   * last) and the unit they answer for: their first unit (owned, or lived in and approved) inside
   * the campaign that has not answered yet.
   */
  async forResident(
    q: Queryable,
    personId: number,
    campaignId: number | null,
    /** the org of the chat the resident speaks in: tells "register first" from "nothing running" */
    chatOrgId: number | null = null,
  ): Promise<
    | { ok: true; campaign: CampaignRow; unit: { id: number; label: string; compound: string } }
    | { ok: false; refusal: Refusal | 'no_campaign' | 'no_unit'; unitLabel?: string }
  > {
    let campaign: CampaignRow | undefined;
    if (campaignId !== null) {
      campaign = (
        await q.query<CampaignRow>('SELECT * FROM linli.evaluation_campaigns WHERE id = $1', [campaignId])
      ).rows[0];
    } else {
      campaign = (
        await q.query<CampaignRow>(
          `SELECT c.* FROM linli.evaluation_campaigns c
           WHERE c.status = 'open' AND EXISTS (
             SELECT 1 FROM linli.evaluation_targets t JOIN linli.units u ON u.compound_id = t.compound_id
             WHERE t.campaign_id = c.id AND u.id IN (${RESIDENT_UNITS}))
           ORDER BY c.opened_at DESC, c.id DESC LIMIT 1`,
          [personId],
        )
      ).rows[0];
    }
    if (!campaign && chatOrgId !== null) {
      const { rows } = await q.query<{ id: number }>(
        `SELECT c.id FROM linli.evaluation_campaigns c JOIN linli.evaluation_targets t ON t.campaign_id = c.id
         JOIN linli.orgs o ON o.id = $1
         WHERE c.status = 'open' AND t.compound_id = ANY(o.path) LIMIT 1`,
        [chatOrgId],
      );
      // a campaign runs where they speak, but they have no unit there
      if (rows[0]) return { ok: false, refusal: 'no_unit' };
    }
    if (!campaign) return { ok: false, refusal: 'no_campaign' };
    const refusal = campaignRefusal(campaign, this.now());
    if (refusal) return { ok: false, refusal };
    const { rows } = await q.query<{ id: number; label: string; compound: string; answered: boolean }>(
      `SELECT u.id, u.building_label AS label, u.compound, u.answered FROM (
         SELECT u.id, b.name || u.unit_no || u.room AS building_label, o.name AS compound,
                EXISTS (SELECT 1 FROM linli.evaluation_responses r WHERE r.campaign_id = $2 AND r.unit_id = u.id) AS answered
         FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id JOIN linli.orgs o ON o.id = u.compound_id
         JOIN linli.evaluation_targets t ON t.compound_id = u.compound_id AND t.campaign_id = $2
         WHERE u.id IN (${RESIDENT_UNITS})) u
       ORDER BY u.answered, u.id`,
      [personId, campaign.id],
    );
    const first = rows[0];
    if (!first) {
      const { rows: owned } = await q.query(`${RESIDENT_UNITS} LIMIT 1`, [personId]);
      return { ok: false, refusal: owned[0] ? 'not_in_scope' : 'no_unit' };
    }
    if (first.answered) return { ok: false, refusal: 'duplicate', unitLabel: first.label };
    return { ok: true, campaign, unit: { id: first.id, label: first.label, compound: first.compound } };
  }

  // ---------------------------------------------------------------------------------------------
  // opening and closing: jobs, worker, reconciler

  /** The delayed jobs of a scheduled or open campaign (after COMMIT); re-adding one is a no-op. */
  async schedule(c: CampaignRow): Promise<void> {
    if (!this.queues || (c.status !== 'scheduled' && c.status !== 'open')) return;
    const now = this.now().getTime();
    const stages: [string, Date][] = c.status === 'scheduled' ? [['open', c.opens_at]] : [];
    stages.push(['close', c.closes_at]);
    await this.queues.addBulk(
      QueueName.evaluations,
      stages.map(([stage, at]) => ({
        name: stage,
        data: { campaignId: c.id, stage },
        opts: {
          jobId: jobId('evaluation', c.id, stage),
          delay: Math.max(0, at.getTime() - now),
          removeOnComplete: true,
          removeOnFail: 1000,
        },
      })),
    );
  }

  /** Opens a scheduled campaign whose time has come; then announces it (if not yet). */
  async openIfDue(id: number): Promise<boolean> {
    const opened = await this.db.transaction(async (tx) => {
      const c = await lockCampaign(tx, id).catch(() => null);
      if (c?.status !== 'scheduled' || c.opens_at > this.now()) return false;
      await tx.query(`UPDATE linli.evaluation_campaigns SET status = 'open', opened_at = $2 WHERE id = $1`, [
        id,
        this.now(),
      ]);
      return true;
    });
    await this.announceIfNeeded(id);
    return opened;
  }

  /** Closes an open campaign past its closing time; then reports it (if not yet). */
  async closeIfDue(id: number): Promise<boolean> {
    const closed = await this.db.transaction(async (tx) => {
      const c = await lockCampaign(tx, id).catch(() => null);
      if (c?.status !== 'open' || c.closes_at > this.now()) return false;
      await tx.query(
        `UPDATE linli.evaluation_campaigns SET status = 'closed', closed_at = $2 WHERE id = $1`,
        [id, this.now()],
      );
      return true;
    });
    await this.reportIfNeeded(id);
    return closed;
  }

  private async announceIfNeeded(id: number): Promise<void> {
    const c = await findCampaign(this.db, id);
    // a campaign whose closing time passed while it waited to open is not announced any more
    if (c?.status !== 'open' || c.announced_at || c.closes_at <= this.now() || !this.notifier) return;
    await this.notifier.announce(c);
    await this.db.query('UPDATE linli.evaluation_campaigns SET announced_at = $2 WHERE id = $1', [
      id,
      this.now(),
    ]);
  }

  private async reportIfNeeded(id: number): Promise<void> {
    const c = await findCampaign(this.db, id);
    if (c?.status !== 'closed' || c.reported_at || !this.notifier) return;
    await this.notifier.report(c, await this.compute(c));
    await this.db.query('UPDATE linli.evaluation_campaigns SET reported_at = $2 WHERE id = $1', [
      id,
      this.now(),
    ]);
  }

  /** The worker's entry for a job. */
  async onJob(data: { campaignId: number; stage: string }): Promise<boolean> {
    return data.stage === 'open' ? this.openIfDue(data.campaignId) : this.closeIfDue(data.campaignId);
  }

  /**
   * At start and every minute: opens and closes what is due, finishes announcements and reports
   * that did not complete, and re-adds the jobs of future openings and closings the queue lost.
   */
  async reconcile(): Promise<{ opened: number; closed: number; rescheduled: number }> {
    const now = this.now();
    let opened = 0;
    let closed = 0;
    let rescheduled = 0;
    const { rows } = await this.db.query<CampaignRow>(
      `SELECT * FROM linli.evaluation_campaigns
       WHERE status IN ('scheduled', 'open') OR (status = 'closed' AND reported_at IS NULL)
       ORDER BY id`,
    );
    for (const c of rows) {
      if (c.status === 'scheduled' && c.opens_at <= now && (await this.openIfDue(c.id))) opened++;
      if (c.status !== 'closed' && c.closes_at <= now && (await this.closeIfDue(c.id))) closed++;
      const fresh = await findCampaign(this.db, c.id);
      if (!fresh) continue;
      if (fresh.status === 'open') await this.announceIfNeeded(c.id);
      if (fresh.status === 'closed') await this.reportIfNeeded(c.id);
      if (this.queues && (fresh.status === 'scheduled' || fresh.status === 'open')) {
        const q = this.queues.queue(QueueName.evaluations);
        const stages = fresh.status === 'scheduled' ? ['open', 'close'] : ['close'];
        const present = await Promise.all(stages.map((s) => q.getJob(jobId('evaluation', c.id, s))));
        if (present.some((j) => !j)) {
          await this.schedule(fresh);
          rescheduled++;
        }
      }
    }
    return { opened, closed, rescheduled };
  }

  // ---------------------------------------------------------------------------------------------
  // results and ranking

  async results(p: Principal, id: number): Promise<Results> {
    return this.compute(await this.visible(p, id));
  }

  async ranking(p: Principal, id: number, by?: 'company' | 'compound'): Promise<Ranking> {
    const r = await this.results(p, id);
    return rankingOf(r, by ?? (r.companies.length > 0 ? 'company' : 'compound'));
  }

  async compute(c: CampaignRow): Promise<Results> {
    const { rows: targets } = await this.db.query<{
      compound_id: number;
      compound_name: string;
      company_id: number | null;
      company_name: string | null;
      units: number;
    }>(
      `SELECT t.compound_id, o.name AS compound_name, t.company_id, pc.name AS company_name,
              (SELECT count(*) FROM linli.units u WHERE u.compound_id = t.compound_id) AS units
       FROM linli.evaluation_targets t JOIN linli.orgs o ON o.id = t.compound_id
       LEFT JOIN linli.property_companies pc ON pc.id = t.company_id
       WHERE t.campaign_id = $1 ORDER BY t.compound_id`,
      [c.id],
    );
    const { rows: responses } = await this.db.query<{ compound_id: number; scores: Record<string, number> }>(
      'SELECT compound_id, scores FROM linli.evaluation_responses WHERE campaign_id = $1',
      [c.id],
    );
    const metrics = new ComplaintMetricsService(this.db, this.now);
    const from = new Date(c.settings.complaintsFrom);
    const to = new Date(c.settings.complaintsTo);
    const w = c.settings.weights;
    const subject = (
      base: Pick<SubjectResult, 'id' | 'name' | 'units'> & Partial<SubjectResult>,
      scores: Record<string, number>[],
      onTime: Rate,
      satisfaction: Rate,
    ): SubjectResult => {
      const means = Object.fromEntries(
        c.criteria.map((k) => {
          const m = mean(scores.map((s) => s[k.key]).filter((v): v is number => typeof v === 'number'));
          return [k.key, m === null ? null : round2(m)];
        }),
      );
      const raw = c.criteria.map((k) =>
        mean(scores.map((s) => s[k.key]!).filter((v) => typeof v === 'number')),
      );
      const overallRaw = raw.some((m) => m === null) ? null : mean(raw as number[]);
      return {
        ...base,
        responses: scores.length,
        responseRate: base.units > 0 ? round2(scores.length / base.units) : null,
        means,
        overall: overallRaw === null ? null : round2(overallRaw),
        onTime,
        satisfaction,
        score: combinedScore(
          { overall: overallRaw, onTimeRate: onTime.rate, satisfactionRate: satisfaction.rate },
          w,
        ),
      };
    };
    const compounds: SubjectResult[] = [];
    const rates = new Map<number, { onTime: Rate; satisfaction: Rate }>();
    for (const t of targets) {
      const m = await metrics.complaints(SYSTEM_ACTOR.principal, { orgId: t.compound_id, from, to });
      rates.set(t.compound_id, { onTime: m.rates.onTimeResolution, satisfaction: m.rates.satisfaction });
      compounds.push(
        subject(
          {
            id: t.compound_id,
            name: t.compound_name,
            companyId: t.company_id,
            companyName: t.company_name,
            units: Number(t.units),
          },
          responses.filter((r) => r.compound_id === t.compound_id).map((r) => r.scores),
          m.rates.onTimeResolution,
          m.rates.satisfaction,
        ),
      );
    }
    const companies: SubjectResult[] = [];
    const companyIds = [...new Set(targets.map((t) => t.company_id).filter((x): x is number => x !== null))];
    for (const companyId of companyIds) {
      const mine = targets.filter((t) => t.company_id === companyId);
      const ids = mine.map((t) => t.compound_id);
      const sum = (pick: (x: { onTime: Rate; satisfaction: Rate }) => Rate): Rate => {
        const n = ids.reduce((a, id) => a + pick(rates.get(id)!).numerator, 0);
        const d = ids.reduce((a, id) => a + pick(rates.get(id)!).denominator, 0);
        return { rate: d > 0 ? n / d : null, numerator: n, denominator: d };
      };
      companies.push(
        subject(
          {
            id: companyId,
            name: mine[0]!.company_name!,
            compoundIds: ids,
            units: mine.reduce((a, t) => a + Number(t.units), 0),
          },
          responses.filter((r) => ids.includes(r.compound_id)).map((r) => r.scores),
          sum((x) => x.onTime),
          sum((x) => x.satisfaction),
        ),
      );
    }
    return {
      campaignId: c.id,
      title: c.title,
      status: c.status,
      criteria: c.criteria,
      weights: w,
      listSize: c.settings.listSize,
      complaintsFrom: c.settings.complaintsFrom,
      complaintsTo: c.settings.complaintsTo,
      generatedAt: this.now(),
      compounds,
      companies,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private async visible(p: Principal, id: number): Promise<CampaignRow> {
    const c = await findCampaign(this.db, id);
    if (!c) throw notFound('evaluation', id);
    const org = await findOrg(this.db, c.org_id);
    assertCanSee(p, org!.path, 'evaluation', id);
    return c;
  }

  private async writable(p: Principal, id: number): Promise<CampaignRow> {
    const c = await this.visible(p, id);
    const org = await findOrg(this.db, c.org_id);
    assertCanWrite(p, org!.path, 'evaluation', id);
    return c;
  }

  private async present(q: Queryable, c: CampaignRow) {
    const { rows } = await q.query<{
      compound_id: number;
      compound_name: string;
      company_id: number | null;
      company_name: string | null;
      responses: number;
    }>(
      `SELECT t.compound_id, o.name AS compound_name, t.company_id, pc.name AS company_name,
              (SELECT count(*) FROM linli.evaluation_responses r WHERE r.campaign_id = t.campaign_id
                 AND r.compound_id = t.compound_id) AS responses
       FROM linli.evaluation_targets t JOIN linli.orgs o ON o.id = t.compound_id
       LEFT JOIN linli.property_companies pc ON pc.id = t.company_id
       WHERE t.campaign_id = $1 ORDER BY t.compound_id`,
      [c.id],
    );
    return {
      id: c.id,
      orgId: c.org_id,
      companyId: c.company_id,
      title: c.title,
      status: c.status,
      criteria: c.criteria,
      weights: c.settings.weights,
      listSize: c.settings.listSize,
      complaintsFrom: c.settings.complaintsFrom,
      complaintsTo: c.settings.complaintsTo,
      opensAt: c.opens_at,
      closesAt: c.closes_at,
      openedAt: c.opened_at,
      closedAt: c.closed_at,
      createdAt: c.created_at,
      targets: rows.map((r) => ({
        compoundId: r.compound_id,
        compoundName: r.compound_name,
        companyId: r.company_id,
        companyName: r.company_name,
        responses: Number(r.responses),
      })),
    };
  }
}

/** The units a person may answer for: owned, or lived in with an approved registration. */
const RESIDENT_UNITS = `SELECT unit_id FROM linli.unit_owners WHERE person_id = $1
  UNION SELECT unit_id FROM linli.unit_residents WHERE person_id = $1 AND status = 'approved'`;

export function rankingOf(r: Results, by: 'company' | 'compound'): Ranking {
  const items = rank(by === 'company' ? r.companies : r.compounds);
  const { red, black } = redBlack(items, r.listSize);
  return { campaignId: r.campaignId, by, weights: r.weights, listSize: r.listSize, items, red, black };
}

async function findCampaign(q: Queryable, id: number): Promise<CampaignRow | null> {
  const { rows } = await q.query<CampaignRow>('SELECT * FROM linli.evaluation_campaigns WHERE id = $1', [id]);
  return rows[0] ?? null;
}

async function lockCampaign(tx: Queryable, id: number): Promise<CampaignRow> {
  const { rows } = await tx.query<CampaignRow>(
    'SELECT * FROM linli.evaluation_campaigns WHERE id = $1 FOR UPDATE',
    [id],
  );
  if (!rows[0]) throw notFound('evaluation', id);
  return rows[0];
}

/** The company under contract at a compound on the day (China time) of `at`. */
async function companyAt(q: Queryable, compoundId: number, at: Date): Promise<number | null> {
  const { rows } = await q.query<{ company_id: number }>(
    `SELECT company_id FROM linli.property_contracts
     WHERE compound_id = $1 AND starts_on <= $2::date AND (ends_on IS NULL OR ends_on >= $2::date)
     ORDER BY starts_on DESC LIMIT 1`,
    [compoundId, civilDate(at, CHINA_TIME_ZONE)],
  );
  return rows[0]?.company_id ?? null;
}

function campaignRefusal(c: CampaignRow | undefined, now: Date): Refusal | null {
  if (!c) return 'closed';
  if (c.status === 'cancelled') return 'cancelled';
  if (c.status === 'closed' || (c.status === 'open' && c.closes_at <= now)) return 'closed';
  if (c.status === 'scheduled') return 'not_open';
  return null;
}

function refusalError(r: Refusal): AppError {
  switch (r) {
    case 'duplicate':
      return conflict('This unit has already answered this campaign (one response per unit)', [
        { field: 'unitId', message: 'already answered' },
      ]);
    case 'not_in_scope':
      return badRequest('The unit is not in a compound of this campaign', [
        { field: 'unitId', message: 'not in the campaign' },
      ]);
    default:
      return conflict(`The campaign is ${r === 'not_open' ? 'not open yet' : r}: nothing recorded`, [
        { field: 'status', message: r },
      ]);
  }
}
