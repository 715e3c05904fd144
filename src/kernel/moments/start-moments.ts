import type { Logger } from 'pino';
import type { QueueBackend } from '../queue/backend.js';
import type { AnyMoment } from './moment.js';
import { startReconcileLoop } from './reconcile-loop.js';

/**
 * A module's moments at work (roles all and worker): one worker per queue they use, routing each
 * job by its name to its moment's `fire`, and one reconcile loop running the module's `reconcile`
 * now and every `everyMs` after the last run ended. The loop logs `<label> reconciler` with the
 * counts when one is not zero, and `<label> reconciler failed` when it throws (the next run tries
 * again). A job whose name no moment claims fails, so it shows in the queue instead of vanishing.
 */
export async function startMoments<R extends Record<string, number>>(o: {
  label: string;
  queues: QueueBackend;
  moments: readonly AnyMoment[];
  reconcile: () => Promise<R>;
  logger: Logger;
  everyMs?: number;
  concurrency?: number;
}): Promise<{ reconcile(): Promise<R | undefined>; close(): Promise<void> }> {
  const queues = [...new Set(o.moments.map((m) => m.queue))];
  const workers = queues.map((queue) => {
    const byName = new Map(o.moments.filter((m) => m.queue === queue).map((m) => [m.job, m]));
    return o.queues.worker<object>(
      queue,
      async (job) => {
        const m = byName.get(job.name);
        if (!m) throw new Error(`no moment of queue ${queue} takes jobs named ${job.name}`);
        return m.fire(job.data);
      },
      { concurrency: o.concurrency ?? 4 },
    );
  });
  const reconcile = () =>
    o
      .reconcile()
      .then((r) => {
        if (Object.values(r).some((n) => n !== 0)) {
          const counts: Record<string, number> = r;
          o.logger.info(counts, `${o.label} reconciler`);
        }
        return r;
      })
      .catch((err) => {
        o.logger.error({ err }, `${o.label} reconciler failed`);
        return undefined;
      });
  const loop = await startReconcileLoop(reconcile, o.everyMs ?? 60_000);
  return {
    reconcile,
    async close() {
      loop.stop();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
