import { Batcher } from '../db/batcher.js';
import type { Db, Queryable } from '../db/db.js';
import type { ChannelName } from './port.js';

/**
 * The record that an inbound update was handled (`linli.processed_updates`): a redelivered update
 * whose mark exists is dropped.
 *
 * Contract (what makes "acknowledged" mean "done"):
 * - a mark is written in the same transaction, or the same statement, as the effects of the
 *   update's turn (`markIn`), never before them: a crash or a failure before COMMIT leaves no mark,
 *   so the redelivery is handled again;
 * - `markIn` answers false when the mark exists already (a concurrent delivery of the same update
 *   committed first, or is committing: the insert waits for it); the caller then rolls back;
 * - a handler that writes no mark itself must be idempotent under redelivery (its replies are keyed
 *   by the update, so a second run sends nothing new); the dispatcher marks the update after such a
 *   handler returns (`mark`, batched with concurrent messages).
 */
export async function markIn(q: Queryable, channel: ChannelName, updateId: string): Promise<boolean> {
  const { rows } = await q.query(
    `INSERT INTO linli.processed_updates (channel, update_id) VALUES ($1, $2)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [channel, updateId],
    { prepare: 'linli_mark_update' },
  );
  return rows.length === 1;
}

/** Thrown inside a turn's transaction when its update was marked meanwhile: roll back, do nothing. */
export class DuplicateUpdate extends Error {
  constructor(
    readonly channel: ChannelName,
    readonly updateId: string,
  ) {
    super(`update ${channel}/${updateId} was handled by a concurrent delivery`);
    this.name = 'DuplicateUpdate';
  }
}

/** Marks written outside a turn's transaction, concurrent ones in one statement. */
export class UpdateMarks {
  private readonly batch = new Batcher((keys: { channel: ChannelName; updateId: string }[]) =>
    this.write(keys),
  );

  constructor(private readonly db: Db) {}

  mark(channel: ChannelName, updateId: string): Promise<void> {
    return this.batch.load({ channel, updateId });
  }

  private async write(keys: { channel: ChannelName; updateId: string }[]): Promise<undefined[]> {
    await this.db.query(
      `INSERT INTO linli.processed_updates (channel, update_id)
       SELECT channel, update_id FROM json_to_recordset($1::json) AS k(channel text, update_id text)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(keys.map((k) => ({ channel: k.channel, update_id: k.updateId })))],
      { prepare: 'linli_mark_updates' },
    );
    return keys.map(() => undefined);
  }
}
