import type { Logger } from 'pino';
import { startReconcileLoop } from '../../kernel/moments/reconcile-loop.js';
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

/**
 * Opens and closes evaluation campaigns. A job names a campaign and a stage; `openIfDue` /
 * `closeIfDue` re-read the row, so a stale or duplicate job does nothing. The reconciler (at start
 * and every `everyMs`) does whatever is due and re-adds lost jobs: a lost queue loses nothing.
 */
export async function startEvaluationWorker(
  queues: QueueBackend,
  evaluations: EvaluationService,
  logger: Logger,
  everyMs = 60_000,
) {
  const worker = queues.worker<{ campaignId: number; stage: string }>(
    QueueName.evaluations,
    async (job) => evaluations.onJob(job.data),
    { concurrency: 4 },
  );
  const reconcile = () =>
    evaluations
      .reconcile()
      .then((r) => (r.opened || r.closed || r.rescheduled) && logger.info(r, 'evaluation reconciler'))
      .catch((err) => logger.error({ err }, 'evaluation reconciler failed'));
  const loop = await startReconcileLoop(reconcile, everyMs);
  return {
    reconcile,
    async close() {
      loop.stop();
      await worker.close();
    },
  };
}

// -------------------------------------------------------------------------------------------------
// opening and closing: jobs, worker, reconciler (`EvaluationService` delegates here)

/** The delayed jobs of a scheduled or open campaign (after COMMIT); re-adding one is a no-op. */
export async function scheduleCampaign(d: EvaluationDeps, c: CampaignRow): Promise<void> {
  if (!d.queues || (c.status !== 'scheduled' && c.status !== 'open')) return;
  const now = d.now().getTime();
  const stages: [string, Date][] = c.status === 'scheduled' ? [['open', c.opens_at]] : [];
  stages.push(['close', c.closes_at]);
  await d.queues.addBulk(
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

/** Removes the campaign's delayed jobs (on cancel); a missing job is fine. */
export async function unscheduleCampaign(d: EvaluationDeps, id: number): Promise<void> {
  if (d.queues) {
    const q = d.queues.queue(QueueName.evaluations);
    for (const stage of ['open', 'close']) await q.remove(jobId('evaluation', id, stage)).catch(() => 0);
  }
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
  if (c?.status !== 'open' || c.announced_at || c.closes_at <= d.now() || !d.notifier) return;
  await d.notifier.announce(c);
  await markAnnounced(d.db, id, d.now());
}

async function reportIfNeeded(d: EvaluationDeps, id: number): Promise<void> {
  const c = await findCampaign(d.db, id);
  if (c?.status !== 'closed' || c.reported_at || !d.notifier) return;
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
  let rescheduled = 0;
  const rows = await campaignsToReconcile(d.db);
  for (const c of rows) {
    if (c.status === 'scheduled' && c.opens_at <= now && (await openIfDue(d, c.id))) opened++;
    if (c.status !== 'closed' && c.closes_at <= now && (await closeIfDue(d, c.id))) closed++;
    const fresh = await findCampaign(d.db, c.id);
    if (!fresh) continue;
    if (fresh.status === 'open') await announceIfNeeded(d, c.id);
    if (fresh.status === 'closed') await reportIfNeeded(d, c.id);
    if (d.queues && (fresh.status === 'scheduled' || fresh.status === 'open')) {
      const q = d.queues.queue(QueueName.evaluations);
      const stages = fresh.status === 'scheduled' ? ['open', 'close'] : ['close'];
      const present = await Promise.all(stages.map((s) => q.getJob(jobId('evaluation', c.id, s))));
      if (present.some((j) => !j)) {
        await scheduleCampaign(d, fresh);
        rescheduled++;
      }
    }
  }
  return { opened, closed, rescheduled };
}
