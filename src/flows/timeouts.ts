import type { Logger } from 'pino';
import { startReconcileLoop } from '../kernel/moments/reconcile-loop.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import { QueueName } from '../kernel/queue/names.js';
import type { FlowEngine } from './flow-engine.js';

/**
 * Ends conversations at their inactivity timeout: a job names a conversation; if it moved on since,
 * the job is set again for its new expiry. A sweep at start and every minute ends any whose job
 * was lost.
 */
export async function startFlowTimeoutWorker(queues: QueueBackend, engine: FlowEngine, logger: Logger) {
  const worker = queues.worker<{ conversationId: number; seq: number }>(QueueName.flows, async (job) => {
    if (job.name !== 'timeout') return;
    return engine.timeoutDue(job.data.conversationId);
  });
  const sweep = () =>
    engine
      .sweepExpired()
      .then((n) => n && logger.info({ expired: n }, 'expired conversations swept'))
      .catch((err) => logger.error({ err }, 'conversation sweep failed'));
  const loop = await startReconcileLoop(sweep, 60_000);
  return {
    async close() {
      loop.stop();
      await worker.close();
    },
  };
}
