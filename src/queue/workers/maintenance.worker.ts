import type { Logger } from 'pino';
import type { Services } from '../../services.js';
import type { QueueBackend } from '../backend.js';
import { QueueName } from '../names.js';

/**
 * Hourly housekeeping through a BullMQ job scheduler (one occurrence per hour however many
 * workers run): forgets chat update ids older than 24 h and long-expired bind codes.
 */
export const MAINTENANCE_EVERY_MS = 60 * 60 * 1000;

export async function startMaintenanceWorker(queues: QueueBackend, services: Services, logger: Logger) {
  await queues
    .queue(QueueName.maintenance)
    .upsertJobScheduler('hourly-purge', { every: MAINTENANCE_EVERY_MS }, { name: 'purge', data: {} });
  return queues.worker(QueueName.maintenance, async (job) => {
    if (job.name !== 'purge') return;
    const purged = await services.chats.purgeExpired();
    logger.debug({ purged }, 'maintenance purge');
    return purged;
  });
}
