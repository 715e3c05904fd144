import type { Logger } from 'pino';
import type { ComplaintService } from '../../domain/complaints/complaint-service.js';
import type { QueueBackend } from '../backend.js';
import { QueueName } from '../names.js';

/**
 * Escalates complaints whose deadline passed. A job names a complaint and the version it was set
 * for; `escalateIfDue` re-reads the row, so a stale or duplicate job does nothing. The reconciler
 * (at start and every `everyMs`) escalates whatever is overdue and re-adds lost jobs, so a queue
 * that lost every key loses no deadline.
 */
export async function startDeadlineWorker(
  queues: QueueBackend,
  complaints: ComplaintService,
  logger: Logger,
  everyMs = 60_000,
) {
  const worker = queues.worker<{ complaintId: number; version: number; stage: string }>(
    QueueName.deadlines,
    async (job) =>
      job.data.stage === 'rating'
        ? complaints.closeUnratedIfDue(job.data.complaintId, job.data.version)
        : complaints.escalateIfDue(job.data.complaintId, job.data.version),
  );
  const reconcile = () =>
    complaints
      .reconcile()
      .then((r) => (r.escalated || r.rescheduled) && logger.info(r, 'deadline reconciler'))
      .catch((err) => logger.error({ err }, 'deadline reconciler failed'));
  await reconcile();
  const timer = setInterval(reconcile, everyMs);
  timer.unref();
  return {
    reconcile,
    async close() {
      clearInterval(timer);
      await worker.close();
    },
  };
}
