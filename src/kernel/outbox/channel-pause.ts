import type { Db } from '../db/db.js';

/**
 * A channel's pause (a 429's `retry_after`, WeChat logged out), shared by every sending process
 * through `linli.channel_state`: nothing is sent on the channel before it ends.
 */
export async function pausedUntil(db: Db, channel: string): Promise<number> {
  const { rows } = await db.query<{ paused_until: Date | null }>(
    'SELECT paused_until FROM linli.channel_state WHERE channel = $1',
    [channel],
  );
  return rows[0]?.paused_until?.getTime() ?? 0;
}

export async function pauseChannel(db: Db, channel: string, until: number): Promise<void> {
  await db.query(
    `INSERT INTO linli.channel_state (channel, paused_until) VALUES ($1, $2)
     ON CONFLICT (channel) DO UPDATE SET paused_until = GREATEST(linli.channel_state.paused_until, EXCLUDED.paused_until),
       updated_at = now()`,
    [channel, new Date(until)],
  );
}
