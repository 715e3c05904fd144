import type { Logger } from 'pino';
import { startReconcileLoop } from '../../kernel/moments/reconcile-loop.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { QueueName } from '../../kernel/queue/names.js';
import type { VoteService } from './commands/proposals.js';

/**
 * Opens and closes proposals and sends the reminders before closing. A job names a proposal and
 * a moment; the service re-reads the row, so a stale or duplicate job does nothing. The
 * reconciler (at start and every `everyMs`) does whatever is overdue and re-adds lost jobs, so a
 * queue that lost every key loses no opening, closing or reminder.
 */
export async function startVoteWorker(
  queues: QueueBackend,
  votes: VoteService,
  logger: Logger,
  everyMs = 60_000,
) {
  const worker = queues.worker<{ proposalId: number; kind: string; offset?: number }>(
    QueueName.votes,
    async (job) => votes.runJob(job.data),
    { concurrency: 4 },
  );
  const reconcile = () =>
    votes
      .reconcile()
      .then((r) => (r.opened || r.closed || r.reminded || r.rescheduled) && logger.info(r, 'vote reconciler'))
      .catch((err) => logger.error({ err }, 'vote reconciler failed'));
  const loop = await startReconcileLoop(reconcile, everyMs);
  return {
    reconcile,
    async close() {
      loop.stop();
      await worker.close();
    },
  };
}
