import { z } from 'zod';
import { forbidden } from '../access/errors.js';
import { decodeCursor, page } from '../access/pagination.js';
import type { Principal } from '../access/principal.js';
import type { Db } from '../db/db.js';
import { CHANNELS, type ChannelName, type InboundMessage } from './port.js';

/**
 * Dead letters: inbound updates whose handling failed for a reason that will not pass (see
 * handling-failure.ts), kept with their error instead of being acknowledged without a trace.
 * Superusers only: a dead letter belongs to no org until it is understood.
 */
export const failedUpdateSchema = z
  .object({
    id: z.number().int(),
    channel: z.enum(CHANNELS),
    updateId: z.string(),
    error: z.string(),
    message: z.record(z.string(), z.unknown()).describe('the update as Linli read it'),
    failedAt: z.date(),
  })
  .meta({ id: 'FailedUpdate' });

export class FailedUpdates {
  constructor(private readonly db: Db) {}

  /** Keeps the update and marks it handled in one statement; throws if the database refuses. */
  async keep(m: InboundMessage, err: unknown): Promise<void> {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await this.db.query(
      `WITH mark AS (
         INSERT INTO linli.processed_updates (channel, update_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
       )
       INSERT INTO linli.failed_updates (channel, update_id, error, message) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (channel, update_id) DO NOTHING`,
      [
        m.channel,
        m.updateId,
        storable(error).slice(0, 4000),
        JSON.stringify(m, (_k, v: unknown) => (typeof v === 'string' ? storable(v) : v)),
      ],
    );
  }

  async list(p: Principal, f: { channel?: ChannelName; limit: number; cursor?: string }) {
    if (p.kind !== 'superuser') throw forbidden('Dead letters are for superuser tokens');
    const { rows } = await this.db.query<{
      id: number;
      channel: ChannelName;
      update_id: string;
      error: string;
      message: Record<string, unknown>;
      failed_at: Date;
    }>(
      `SELECT id, channel, update_id, error, message, failed_at FROM linli.failed_updates
        WHERE ($1::text IS NULL OR channel = $1) AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [f.channel ?? null, decodeCursor(f.cursor), f.limit + 1],
    );
    const { rows: counted } = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM linli.failed_updates WHERE $1::text IS NULL OR channel = $1',
      [f.channel ?? null],
    );
    const total = counted[0]!.n;
    return {
      total,
      ...page(
        rows.map((r) => ({
          id: r.id,
          channel: r.channel,
          updateId: r.update_id,
          error: r.error,
          message: r.message,
          failedAt: r.failed_at,
        })),
        f.limit,
      ),
    };
  }
}

/** Text PostgreSQL can hold: no U+0000, no lone surrogate (a dead letter keeps what it can). */
function storable(s: string): string {
  return s
    .replaceAll('\u0000', '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
