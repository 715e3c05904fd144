import client from 'prom-client';
import type { Db } from '../db/db.js';
import type { QueueBackend } from '../queue/backend.js';
import { QueueName } from '../queue/names.js';
import { withTimeout } from '../time/with-timeout.js';
import { registry } from './metrics.js';

export interface ExpositionSources {
  db: Db;
  queues: QueueBackend;
  /** the year whose official holidays are unknown though it starts within a month, or null */
  unknownHolidayYear: () => number | null;
}

/** A scrape's reads of the database and the queue give up after this: a scrape never hangs. */
const READ_TIMEOUT_MS = 2000;

/**
 * What `/metrics` answers for one running Linli: the process's instruments (`metrics.ts`), then
 * what is read at scrape time — the database pool's connections, the deliveries still queued per
 * channel, whether next year's holidays are unknown, and every BullMQ queue's job counts by state
 * through BullMQ's own exporter (`Queue.exportPrometheusMetrics`), merged into one metric family.
 * A source that does not answer within 2 s is reported down (`linli_source_up{source} 0`) and the
 * rest is still answered.
 */
export function metricsExposition(src: ExpositionSources): {
  contentType: string;
  render: () => Promise<string>;
} {
  const own = new client.Registry();
  const up = new client.Gauge({
    name: 'linli_source_up',
    help: 'Whether a source read at scrape time answered (database, queue)',
    labelNames: ['source'] as const,
    registers: [own],
  });
  new client.Gauge({
    name: 'linli_db_pool_connections',
    help: 'The database pool: connections open, idle, and requests waiting for one (PostgreSQL only)',
    labelNames: ['state'] as const,
    registers: [own],
    collect() {
      const pool = src.db.pool as { totalCount?: unknown; idleCount?: unknown; waitingCount?: unknown };
      if (typeof pool.totalCount !== 'number') return; // the embedded database: one session, no pool
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, Number(pool.idleCount));
      this.set({ state: 'waiting' }, Number(pool.waitingCount));
    },
  });
  const queued = new client.Gauge({
    name: 'linli_deliveries_queued',
    help: 'Outbound messages not yet settled, per channel (the backlog; `linli_deliveries_total` counts the settled)',
    labelNames: ['channel'] as const,
    registers: [own],
  });
  const readQueued = async () => {
    queued.reset();
    try {
      const { rows } = await withTimeout(
        src.db.query<{ channel: string; n: number }>(
          `SELECT channel, count(*)::int AS n FROM linli.deliveries WHERE status = 'queued' GROUP BY channel`,
        ),
        READ_TIMEOUT_MS,
      );
      for (const r of rows) queued.set({ channel: r.channel }, Number(r.n));
      up.set({ source: 'database' }, 1);
    } catch {
      up.set({ source: 'database' }, 0);
    }
  };
  new client.Gauge({
    name: 'linli_calendar_next_year_unknown',
    help: '1 when next year starts within a month and neither the operator (PUT /api/v1/calendar/:year) nor the chinese-days package knows its official holidays',
    labelNames: ['year'] as const,
    registers: [own],
    collect() {
      this.reset();
      const year = src.unknownHolidayYear();
      const next = new Date().getUTCFullYear() + 1;
      this.set({ year: String(year ?? next) }, year === null ? 0 : 1);
    },
  });

  const queueText = async (): Promise<string> => {
    try {
      const exports = await withTimeout(
        Promise.all(Object.values(QueueName).map((name) => src.queues.queue(name).exportPrometheusMetrics())),
        READ_TIMEOUT_MS,
      );
      up.set({ source: 'queue' }, 1);
      return mergeFamilies(exports, ['bullmq_job_count']);
    } catch {
      up.set({ source: 'queue' }, 0);
      return '';
    }
  };

  return {
    contentType: registry.contentType,
    async render() {
      // the reads first: `linli_source_up` is rendered with what they found
      const [queue] = await Promise.all([queueText(), readQueued()]);
      const [process, read] = await Promise.all([registry.metrics(), own.metrics()]);
      return `${process.trimEnd()}\n${read.trimEnd()}\n${queue}`;
    },
  };
}

/**
 * Several expositions of the same families (BullMQ's exporter writes its `# HELP`/`# TYPE` once
 * per queue) as one, each family's header once, keeping only `families`: its `_total` counters
 * count only when workers record metrics (`metrics.maxDataPoints`), which Linli's do not, so
 * they would read 0 forever.
 */
export function mergeFamilies(texts: readonly string[], families: readonly string[]): string {
  const out: string[] = [];
  for (const family of families) {
    const samples = texts
      .flatMap((t) => t.split('\n'))
      .filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `));
    const header = texts
      .flatMap((t) => t.split('\n'))
      .filter((l) => /^# (HELP|TYPE) /.test(l) && l.split(' ')[2] === family);
    out.push(...new Set(header), ...samples);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
