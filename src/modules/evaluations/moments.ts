import type { Logger } from 'pino';
import type { Moment } from '../../kernel/moments/moment.js';
import { startMoments } from '../../kernel/moments/start-moments.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import type { EvaluationService } from './commands/campaigns.js';
import { computeResults } from './queries/results.js';
import {
  campaignsToReconcile,
  findCampaign,
  lockCampaign,
  markAnnounced,
  markClosed,
  markOpened,
  markReported,
} from './repository.js';
import type { CampaignRow, EvaluationDeps } from './schema.js';

/** The payload of a campaign's jobs (the stage is in it too: jobs stored by older versions route by it). */
export interface CampaignStage {
  campaignId: number;
  stage: 'open' | 'close';
}

/**
 * A campaign's two moments: `evaluation-<id>-open` and `evaluation-<id>-close`, on the evaluations
 * queue. `fire` is the service's one entry for a job (`onCampaignJob`).
 */
export function campaignMoments(
  fire: (x: CampaignStage) => Promise<unknown>,
): Record<CampaignStage['stage'], Moment<CampaignStage>> {
  const moment = (stage: CampaignStage['stage']): Moment<CampaignStage> => ({
    label: 'evaluation',
    queue: QueueName.evaluations,
    job: stage,
    jobId: (x) => jobId('evaluation', x.campaignId, x.stage),
    fire,
  });
  return { open: moment('open'), close: moment('close') };
}

/** The jobs a scheduled or open campaign needs. */
function occurrencesOf(d: EvaluationDeps, c: CampaignRow) {
  if (c.status !== 'scheduled' && c.status !== 'open') return [];
  const of = (stage: CampaignStage['stage'], at: Date) => ({
    moment: d.moments.of[stage],
    data: { campaignId: c.id, stage },
    at,
  });
  return c.status === 'scheduled'
    ? [of('open', c.opens_at), of('close', c.closes_at)]
    : [of('close', c.closes_at)];
}

/**
 * Opens and closes evaluation campaigns. A job names a campaign and a stage; `openIfDue` /
 * `closeIfDue` re-read the row, so a stale or duplicate job does nothing. The reconciler (at start
 * and every `everyMs`) does whatever is due and re-adds lost jobs: a lost queue loses nothing.
 */
export function startEvaluationWorker(
  queues: QueueBackend,
  evaluations: EvaluationService,
  logger: Logger,
  everyMs = 60_000,
) {
  return startMoments({
    label: 'evaluation',
    queues,
    moments: evaluations.moments,
    reconcile: () => evaluations.reconcile(),
    logger,
    everyMs,
  });
}

// -------------------------------------------------------------------------------------------------
// opening and closing: jobs, worker, reconciler (`EvaluationService` delegates here)

/** The delayed jobs of a scheduled or open campaign (after COMMIT); re-adding one is a no-op. */
export async function scheduleCampaign(d: EvaluationDeps, c: CampaignRow): Promise<void> {
  await d.moments.scheduler.scheduleAll(occurrencesOf(d, c));
}

/** Removes the campaign's delayed jobs (on cancel); a missing job is fine. */
export async function unscheduleCampaign(d: EvaluationDeps, id: number): Promise<void> {
  for (const stage of ['open', 'close'] as const)
    await d.moments.scheduler.unschedule(d.moments.of[stage], [{ campaignId: id, stage }]);
}

/** Opens a scheduled campaign whose time has come; then announces it (if not yet). */
export async function openIfDue(d: EvaluationDeps, id: number): Promise<boolean> {
  const opened = await d.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id).catch(() => null);
    if (c?.status !== 'scheduled' || c.opens_at > d.now()) return false;
    await markOpened(tx, id, d.now());
    return true;
  });
  await announceIfNeeded(d, id);
  return opened;
}

/** Closes an open campaign past its closing time; then reports it (if not yet). */
export async function closeIfDue(d: EvaluationDeps, id: number): Promise<boolean> {
  const closed = await d.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id).catch(() => null);
    if (c?.status !== 'open' || c.closes_at > d.now()) return false;
    await markClosed(tx, id, d.now());
    return true;
  });
  await reportIfNeeded(d, id);
  return closed;
}

async function announceIfNeeded(d: EvaluationDeps, id: number): Promise<void> {
  const c = await findCampaign(d.db, id);
  // a campaign whose closing time passed while it waited to open is not announced any more
  if (c?.status !== 'open' || c.announced_at || c.closes_at <= d.now()) return;
  await d.notifier.announce(c);
  await markAnnounced(d.db, id, d.now());
}

async function reportIfNeeded(d: EvaluationDeps, id: number): Promise<void> {
  const c = await findCampaign(d.db, id);
  if (c?.status !== 'closed' || c.reported_at) return;
  await d.notifier.report(c, await computeResults(d, c));
  await markReported(d.db, id, d.now());
}

/** The worker's entry for a job. */
export async function onCampaignJob(
  d: EvaluationDeps,
  data: { campaignId: number; stage: string },
): Promise<boolean> {
  return data.stage === 'open' ? openIfDue(d, data.campaignId) : closeIfDue(d, data.campaignId);
}

/**
 * At start and every minute: opens and closes what is due, finishes announcements and reports
 * that did not complete, and re-adds the jobs of future openings and closings the queue lost.
 */
export async function reconcileCampaigns(
  d: EvaluationDeps,
): Promise<{ opened: number; closed: number; rescheduled: number }> {
  const now = d.now();
  let opened = 0;
  let closed = 0;
  const future: CampaignRow[] = [];
  const rows = await campaignsToReconcile(d.db);
  for (const c of rows) {
    if (c.status === 'scheduled' && c.opens_at <= now && (await openIfDue(d, c.id))) opened++;
    if (c.status !== 'closed' && c.closes_at <= now && (await closeIfDue(d, c.id))) closed++;
    const fresh = await findCampaign(d.db, c.id);
    if (!fresh) continue;
    if (fresh.status === 'open') await announceIfNeeded(d, c.id);
    if (fresh.status === 'closed') await reportIfNeeded(d, c.id);
    future.push(fresh);
  }
  // the jobs of what is still to open or close, probed in batches; count the campaigns re-added
  const lost = await d.moments.scheduler.ensureAll(future.flatMap((c) => occurrencesOf(d, c)));
  return { opened, closed, rescheduled: new Set(lost.map((o) => o.data.campaignId)).size };
}
