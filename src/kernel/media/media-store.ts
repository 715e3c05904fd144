import type { ChannelName, MediaRef } from '../chat/port.js';
import type { Queryable } from '../db/db.js';

/**
 * The SQL of kept photos (`linli.media`): what a conversation saves of a photo is `media:<id>`,
 * one row per platform file (the same file sent twice is one row). See migration 026.
 */
export const MEDIA_PREFIX = 'media:';

/** The row id a `media:<id>` reference names, or null for anything else (a platform's own ref). */
export function mediaIdOf(ref: string): number | null {
  const m = /^media:(\d+)$/.exec(ref);
  return m ? Number(m[1]) : null;
}

/** The `channel` of an image Linli drew itself (a chart): no platform has it, its bytes are the row's. */
export const GENERATED = 'linli';

export interface KeptMedia {
  id: number;
  channel: ChannelName | typeof GENERATED;
  ref: string;
  content_type: string | null;
  bytes: Buffer | null;
}

/** Keeps a photo that arrived on `channel` (its bytes too when the adapter can give them); returns `media:<id>`. */
export async function keepMedia(q: Queryable, channel: ChannelName, media: MediaRef): Promise<string> {
  const data = media.data ?? (await media.load?.()) ?? undefined;
  const bytes = data ? Buffer.from(data.bytes) : null;
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO linli.media (channel, ref, content_type, size, bytes) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (channel, ref) DO UPDATE
       SET bytes = COALESCE(linli.media.bytes, EXCLUDED.bytes),
           content_type = COALESCE(linli.media.content_type, EXCLUDED.content_type),
           size = COALESCE(linli.media.size, EXCLUDED.size)
     RETURNING id`,
    [channel, media.ref, data?.contentType ?? null, bytes?.length ?? null, bytes],
  );
  return `${MEDIA_PREFIX}${Number(rows[0]!.id)}`;
}

/** Keeps an image Linli drew (a digest's chart) under its own `ref`, replacing one drawn before; returns `media:<id>`. */
export async function keepImage(
  q: Queryable,
  ref: string,
  bytes: Buffer,
  contentType: string,
): Promise<string> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO linli.media (channel, ref, content_type, size, bytes) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (channel, ref) DO UPDATE
       SET bytes = EXCLUDED.bytes, content_type = EXCLUDED.content_type, size = EXCLUDED.size
     RETURNING id`,
    [GENERATED, ref, contentType, bytes.length, bytes],
  );
  return `${MEDIA_PREFIX}${Number(rows[0]!.id)}`;
}

export async function findMedia(q: Queryable, id: number): Promise<KeptMedia | null> {
  const { rows } = await q.query<KeptMedia>(
    'SELECT id, channel, ref, content_type, bytes FROM linli.media WHERE id = $1',
    [id],
  );
  const r = rows[0];
  // pg gives bytea as a Buffer, PGlite as a Uint8Array
  return r ? { ...r, id: Number(r.id), bytes: r.bytes ? Buffer.from(r.bytes) : null } : null;
}

/** Keeps the bytes fetched for a row that had none (a Telegram photo another channel needed). */
export async function storeMediaBytes(
  q: Queryable,
  id: number,
  bytes: Buffer,
  contentType: string,
): Promise<void> {
  await q.query(
    'UPDATE linli.media SET bytes = $2, content_type = $3, size = $4 WHERE id = $1 AND bytes IS NULL',
    [id, bytes, contentType, bytes.length],
  );
}
