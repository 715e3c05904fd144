import type { Logger } from 'pino';
import { startReconcileLoop } from '../../kernel/moments/reconcile-loop.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { QueueName } from '../../kernel/queue/names.js';
import type { ReminderService } from './commands/reminders.js';

/**
 * Sends reminder occurrences and follow-ups. A job names a reminder and an occurrence time; the
 * service re-reads the rows, so a stale or duplicate job does nothing, and the occurrence row's
 * unique key decides between two workers. The reconciler (at start and every `everyMs`) fires
 * what is due and re-adds lost jobs, so a queue that lost every key loses no occurrence.
 */
export async function startReminderWorker(
  queues: QueueBackend,
  reminders: ReminderService,
  logger: Logger,
  everyMs = 60_000,
) {
  const worker = queues.worker<{ reminderId: number; at: number }>(
    QueueName.reminders,
    async (job) =>
      job.name === 'follow-up'
        ? reminders.followUp(job.data.reminderId, new Date(job.data.at))
        : reminders.fire(job.data.reminderId, new Date(job.data.at)),
    { concurrency: 4 },
  );
  const reconcile = () =>
    reminders
      .reconcile()
      .then((r) => (r.fired || r.followUps || r.rescheduled) && logger.info(r, 'reminder reconciler'))
      .catch((err) => logger.error({ err }, 'reminder reconciler failed'));
  const loop = await startReconcileLoop(reconcile, everyMs);
  return {
    reconcile,
    async close() {
      loop.stop();
      await worker.close();
    },
  };
}
