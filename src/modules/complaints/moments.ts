import type { Logger } from 'pino';
import { startReconcileLoop } from '../../kernel/moments/reconcile-loop.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { QueueName } from '../../kernel/queue/names.js';
import type { ComplaintService } from './commands/transitions.js';

/**
 * Escalates complaints whose deadline passed. A bucket job (`deadlines-at-<second>`) sweeps every
 * row due by now, re-reading the rows, so a stale, early or duplicate job does nothing; a rating
 * job names a complaint and the version it was set for. The reconciler
 * (at start and every `everyMs`) escalates whatever is overdue and re-adds lost jobs, so a queue
 * that lost every key loses no deadline.
 */
export async function startDeadlineWorker(
  queues: QueueBackend,
  complaints: ComplaintService,
  logger: Logger,
  everyMs = 60_000,
  /** escalations in parallel (each is one short transaction; keep below the database pool size) */
  concurrency = 8,
) {
  const worker = queues.worker<{ complaintId: number; version: number; stage: string } | { at: number }>(
    QueueName.deadlines,
    async (job) => {
      const d = job.data;
      // a bucket: every deadline due by now, set-based (a burst falling due at once is one job)
      if ('at' in d) return complaints.escalateDue();
      // the rating timeout of one resolved complaint, or a per-complaint deadline job left by an
      // older version of Linli
      return d.stage === 'rating'
        ? complaints.closeUnratedIfDue(d.complaintId, d.version)
        : complaints.escalateIfDue(d.complaintId, d.version);
    },
    { concurrency },
  );
  // the next sweep is scheduled when the last one ends, so a long sweep never overlaps the next
  const reconcile = () =>
    complaints
      .reconcile()
      .then((r) => (r.escalated || r.rescheduled) && logger.info(r, 'deadline reconciler'))
      .catch((err) => logger.error({ err }, 'deadline reconciler failed'));
  const loop = await startReconcileLoop(reconcile, everyMs);
  return {
    reconcile,
    async close() {
      loop.stop();
      await worker.close();
    },
  };
}
