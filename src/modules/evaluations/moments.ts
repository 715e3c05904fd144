import type { Logger } from 'pino';
import { startReconcileLoop } from '../../kernel/moments/reconcile-loop.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { QueueName } from '../../kernel/queue/names.js';
import type { EvaluationService } from './commands/campaigns.js';

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
