import type { Logger } from 'pino';
import { startMoments } from '../kernel/moments/start-moments.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import type { FlowEngine } from './flow-engine.js';

/**
 * Ends conversations at their inactivity timeout: a job names a conversation; if it moved on since,
 * the job is set again for its new expiry. A sweep at start and every minute ends any whose job
 * was lost.
 */
export async function startFlowTimeoutWorker(queues: QueueBackend, engine: FlowEngine, logger: Logger) {
  return startMoments({
    label: 'flow timeout',
    queues,
    moments: [engine.timeoutMoment],
    // the sweep logs as it always has, and hands startMoments no counts to log a second time
    reconcile: async () => {
      const none: Record<string, number> = {};
      const n = await engine.sweepExpired().catch((err) => {
        logger.error({ err }, 'conversation sweep failed');
        return 0;
      });
      if (n) logger.info({ expired: n }, 'expired conversations swept');
      return none;
    },
    logger,
    // one job at a time, as the worker always ran (the queue's default)
    concurrency: 1,
  });
}
