import type { QueueBackend } from '../queue/backend.js';
import type { AnyMoment, Moment, Occurrence } from './moment.js';

/** How many job ids one existence probe asks about (one round trip on Redis). */
const PROBE_PAGE = 500;

/**
 * Adds, removes and probes the jobs of moments: the one place where a due time becomes a
 * delayed job. Jobs are added after COMMIT (the queue refuses inside a transaction), deduplicated
 * by id within a call and sent in one `addBulk` per queue; re-adding a known id is a no-op, so
 * scheduling twice is harmless.
 */
export class Moments {
  constructor(
    private readonly queues: QueueBackend,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The jobs of these occurrences, delayed until each is due (at once when it is past). */
  async schedule<D extends object>(moment: Moment<D>, occurrences: readonly Occurrence<D>[]): Promise<void> {
    await this.scheduleAll(occurrences.map((o) => ({ moment, ...o })));
  }

  /** Occurrences of several moments at once: one `addBulk` per queue. */
  async scheduleAll(items: readonly ({ moment: AnyMoment } & Occurrence<object>)[]): Promise<void> {
    const now = this.now().getTime();
    const byQueue = new Map<string, Map<string, { m: AnyMoment; o: Occurrence<object> }>>();
    for (const { moment, ...o } of items) {
      const ids = byQueue.get(moment.queue) ?? new Map();
      ids.set(moment.jobId(o.data), { m: moment, o });
      byQueue.set(moment.queue, ids);
    }
    for (const [queue, ids] of byQueue) {
      await this.queues.addBulk(
        queue as AnyMoment['queue'],
        [...ids].map(([jobId, { m, o }]) => ({
          name: m.job,
          data: o.data,
          opts: {
            jobId,
            delay: Math.max(0, o.at.getTime() - now),
            removeOnComplete: true,
            removeOnFail: 1000,
            ...m.jobOptions,
          },
        })),
      );
    }
  }

  /** Removes the jobs of these payloads (a cancelled row); a job that is not there is fine. */
  async unschedule<D extends object>(moment: Moment<D>, data: readonly D[]): Promise<void> {
    const q = this.queues.queue(moment.queue);
    for (const d of data) await q.remove(moment.jobId(d)).catch(() => 0);
  }

  /**
   * The reconciler's half for the future: re-adds the jobs of these occurrences that the queue
   * lost (asked a page at a time, one round trip each); returns those it re-added.
   */
  async ensure<D extends object>(
    moment: Moment<D>,
    occurrences: readonly Occurrence<D>[],
  ): Promise<Occurrence<D>[]> {
    const lost = await this.ensureAll(occurrences.map((o) => ({ moment, ...o })));
    return lost.map(({ data, at }) => ({ data, at }));
  }

  /** `ensure` for occurrences of several moments (a row's open, close and reminders): probed per queue. */
  async ensureAll<I extends { moment: AnyMoment } & Occurrence<object>>(items: readonly I[]): Promise<I[]> {
    const byQueue = new Map<string, I[]>();
    for (const i of items) {
      const list = byQueue.get(i.moment.queue);
      if (list) list.push(i);
      else byQueue.set(i.moment.queue, [i]);
    }
    const added: I[] = [];
    for (const [queue, list] of byQueue) {
      for (let k = 0; k < list.length; k += PROBE_PAGE) {
        const page = list.slice(k, k + PROBE_PAGE);
        const there = await this.queues.exists(
          queue as AnyMoment['queue'],
          page.map((i) => i.moment.jobId(i.data)),
        );
        const lost = page.filter((_, n) => !there[n]);
        if (lost.length) await this.scheduleAll(lost);
        added.push(...lost);
      }
    }
    return added;
  }
}
