import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/kernel/db/db.js';
import { claimDelivery } from '../../../src/kernel/outbox/express.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { readsOf, total } from '../../support/index-reads.js';

const queue = (db: Db, prefix: string, count: number, chats: number) =>
  db.query(
    `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, message, status)
     SELECT $1 || n, 'telegram', $1 || 'chat-' || (n % $3), 'private', '{"text":"x"}', 'queued'
       FROM generate_series(1, $2) n`,
    [prefix, count, chats],
  );

// claim_delivery's checks of a chat (an earlier message queued to it, its messages in flight) read
// that chat's queued messages, not every message queued to the channel (migration 034)
describe.each(engines())('claiming a delivery during a backlog, on %s', (engine) => {
  let db: TestDb;
  beforeEach(async () => {
    db = await openTestDb(engine);
  });
  afterEach(async () => {
    await db.close();
  });

  it("reads the chat's queued messages, not the channel's backlog", async () => {
    // statistics taken while nothing is queued (a year of messages, all sent), then a fan-out of 3,000
    // notices to other chats
    await db.query(
      `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, message, status, sent_at)
       SELECT 'sent-' || n, 'telegram', 'old-chat-' || (n % 2000), 'private', '{"text":"x"}', 'sent',
              now() - n * interval '5 minutes'
         FROM generate_series(1, 50000) n`,
    );
    await db.query('ANALYZE linli.deliveries');
    await queue(db, 'fanout-', 3000, 1000);
    await queue(db, 'mine-', 8, 8);
    const { rows } = await db.query<{ id: number }>(
      "SELECT id FROM linli.deliveries WHERE idempotency_key LIKE 'mine-%' ORDER BY id",
    );
    // eight claims, so that PL/pgSQL uses its generic plans (from the sixth call)
    const reads = await readsOf(db, 'linli.deliveries', async (tx) => {
      for (const { id } of rows) {
        const claimed = await claimDelivery(tx, Number(id), { max: 1, windowMs: 1000 }, null, null, 30_000);
        expect(claimed?.id).toBeDefined();
      }
    });
    // a few entries a claim (its chat's own message), against 3,000 through the channel's backlog
    expect(total(reads.entries), JSON.stringify(reads)).toBeLessThan(100);
  });
});
