import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Moment } from '../../../src/kernel/moments/moment.js';
import { Moments } from '../../../src/kernel/moments/moments.js';
import { startMoments } from '../../../src/kernel/moments/start-moments.js';
import { jobId, QueueName } from '../../../src/kernel/queue/names.js';
import { queueKinds } from '../../support/env.js';
import { eachTestDbAndQueues } from '../../support/queue-world.js';

/** Two moments on one queue, as a module declares them: what fired is recorded. */
function probeMoments(fired: string[]) {
  const open: Moment<{ id: number }> = {
    label: 'probe',
    queue: QueueName.maintenance,
    job: 'open',
    jobId: (d) => jobId('probe', d.id, 'open'),
    fire: async (d) => void fired.push(`open ${d.id}`),
  };
  const close: Moment<{ id: number }> = {
    label: 'probe',
    queue: QueueName.maintenance,
    job: 'close',
    jobId: (d) => jobId('probe', d.id, 'close'),
    fire: async (d) => void fired.push(`close ${d.id}`),
  };
  return { open, close };
}

describe.each(queueKinds())('moments on %s', (kind) => {
  const t = eachTestDbAndQueues(kind, 'moments');

  it('schedules each occurrence once, fires it when due, routed by job name to its moment', async () => {
    const { queues } = t;
    const fired: string[] = [];
    const { open, close } = probeMoments(fired);
    const moments = new Moments(queues);
    const now = Date.now();
    await moments.schedule(open, [
      { data: { id: 1 }, at: new Date(now - 1000) },
      { data: { id: 1 }, at: new Date(now - 1000) }, // the same id twice in one call: one job
    ]);
    await moments.schedule(close, [{ data: { id: 1 }, at: new Date(now + 400) }]);
    await moments.schedule(open, [{ data: { id: 1 }, at: new Date(now) }]); // known id: a no-op
    const running = await startMoments({
      label: 'probe',
      queues,
      moments: [open, close],
      reconcile: async () => ({}),
      logger: pino({ level: 'silent' }),
    });
    try {
      await expect.poll(() => fired, { timeout: 10_000 }).toEqual(['open 1', 'close 1']);
    } finally {
      await running.close();
    }
  });

  it('re-adds only the jobs the queue lost, in batched probes; a removed job is gone', async () => {
    const { queues } = t;
    const fired: string[] = [];
    const { open } = probeMoments(fired);
    const moments = new Moments(queues);
    const later = new Date(Date.now() + 3_600_000);
    const occurrences = Array.from({ length: 1203 }, (_, i) => ({ data: { id: i + 1 }, at: later }));
    await moments.schedule(open, occurrences.slice(0, 1000));
    expect((await moments.ensure(open, occurrences)).map((o) => o.data.id)).toEqual(
      occurrences.slice(1000).map((o) => o.data.id),
    );
    expect(await moments.ensure(open, occurrences)).toEqual([]);
    await moments.unschedule(open, [{ id: 5 }, { id: 99_999 }]);
    expect(await queues.exists(QueueName.maintenance, [jobId('probe', 5, 'open')])).toEqual([false]);
    expect(await moments.ensure(open, occurrences)).toEqual([{ data: { id: 5 }, at: later }]);
    // several moments at once: each probed by its own ids, only the lost ones re-added
    const { close } = probeMoments(fired);
    const mixed = [
      { moment: open, data: { id: 6 }, at: later },
      { moment: close, data: { id: 6 }, at: later },
    ];
    expect((await moments.ensureAll(mixed)).map((i) => i.moment.job)).toEqual(['close']);
    expect(await moments.ensureAll(mixed)).toEqual([]);
  });

  it('reconciles at start and again after each run, logging non-zero counts and failures', async () => {
    const { queues } = t;
    const lines: { msg: string; counts?: unknown }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) },
    );
    let runs = 0;
    const running = await startMoments({
      label: 'probe',
      queues,
      moments: [],
      reconcile: async () => {
        runs++;
        if (runs === 2) throw new Error('database away');
        return { fired: runs === 1 ? 0 : 2 };
      },
      logger,
      everyMs: 20,
    });
    expect(runs).toBe(1); // the first run is awaited by the start
    await expect
      .poll(() => runs, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(3)
      .finally(() => running.close());
    const ran = runs;
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(ran); // closed: no run after
    expect(lines.map((l) => l.msg)).toContain('probe reconciler failed');
    expect(lines.find((l) => l.msg === 'probe reconciler')).toMatchObject({ fired: 2 });
    expect(lines.filter((l) => l.msg === 'probe reconciler').length).toBe(ran - 2); // not the zero run, not the failed one
  });
});
