import type { Logger } from 'pino';
import type { QueueBackend } from './backend.js';
import { QueueName } from './names.js';

/**
 * Hourly housekeeping through a BullMQ job scheduler (one occurrence per hour however many
 * workers run): runs the purges the modules register (today: chat update ids older than 24 h and
 * long-expired bind codes), one after the other; a failed one does not keep the others from running.
 */
export const MAINTENANCE_EVERY_MS = 60 * 60 * 1000;

export interface PurgeTask {
  name: string;
  run(): Promise<unknown>;
}

export async function startMaintenanceWorker(queues: QueueBackend, tasks: PurgeTask[], logger: Logger) {
  await queues
    .queue(QueueName.maintenance)
    .upsertJobScheduler('hourly-purge', { every: MAINTENANCE_EVERY_MS }, { name: 'purge', data: {} });
  return queues.worker(QueueName.maintenance, async (job) => {
    if (job.name !== 'purge') return;
    const purged: Record<string, unknown> = {};
    const failed: string[] = [];
    for (const t of tasks) {
      try {
        purged[t.name] = await t.run();
      } catch (err) {
        failed.push(t.name);
        logger.error({ err, task: t.name }, 'maintenance purge failed');
      }
    }
    logger.debug({ purged }, 'maintenance purge');
    // failed: BullMQ records it, the next hour tries again
    if (failed.length) throw new Error(`maintenance purge failed: ${failed.join(', ')}`);
    return purged;
  });
}
