// A year of history in Linli's PostgreSQL database before a bench measures it (`--history N`):
// the tables a turn touches are small in a fresh database, and a statement planned as a scan of a
// whole table (e.g. the update marks, 02a8563) runs as fast as an index lookup there. Production
// keeps every delivery, conversation and complaint, and a day of update marks.
//
// Written with SQL, not through the API: this is a bench's scenery, not an end-to-end test, and
// a year of traffic through the webhook would take the bench hours. Nothing here is about the
// bench's own chats or people: other compounds' residents, chats and messages.
import pg from 'pg';

export interface HistorySize {
  /** other compounds of the city, under the demo's community, each with 2 chats and 3 role holders */
  compounds: number;
  deliveries: number;
  conversations: number;
  complaints: number;
  marks: number;
  people: number;
}

/** The sizes for `--history N`: N deliveries, and the rest in proportion to them. */
export function historyFor(n: number): HistorySize {
  return {
    compounds: Math.max(10, Math.round(n / 300)),
    deliveries: n,
    conversations: Math.round(n / 4),
    complaints: Math.round(n / 40),
    marks: Math.round(n / 10),
    people: Math.max(100, Math.round(n / 100)),
  };
}

export async function fillHistory(databaseUrl: string, size: HistorySize): Promise<number> {
  const started = Date.now();
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const one = async <T>(sql: string) => (await c.query(sql)).rows[0] as T;
    const { compound } = await one<{ compound: number }>(
      "SELECT id AS compound FROM linli.orgs WHERE kind = 'compound' ORDER BY id LIMIT 1",
    );
    const { flow } = await one<{ flow: number }>(
      'SELECT id AS flow FROM linli.flows WHERE version > 0 ORDER BY id LIMIT 1',
    );
    // the city's other compounds (a city of ~3,000 at 1,000,000), each with a residents' and a
    // handlers' group and three people holding roles there
    await c.query(
      `WITH parent AS (SELECT o.id, o.path FROM linli.orgs o JOIN linli.orgs k ON k.parent_id = o.id
                        WHERE k.id = $1),
            fresh AS (SELECT nextval(pg_get_serial_sequence('linli.orgs', 'id')) AS id, n
                        FROM generate_series(1, $2) n),
            o AS (INSERT INTO linli.orgs (id, kind, name, parent_id, path)
                  SELECT fresh.id, 'compound', '历史小区 ' || n, parent.id, parent.path || fresh.id
                    FROM fresh, parent RETURNING id),
            ch AS (INSERT INTO linli.chats (channel, external_chat_id, org_id, purpose, bound_via, title)
                   SELECT 'telegram', 'hist-org-' || o.id || '-' || p.purpose, o.id, p.purpose, 'admin', '历史群'
                     FROM o, (VALUES ('residents'), ('handlers')) p(purpose) RETURNING org_id),
            pe AS (INSERT INTO linli.people (name, org_id)
                   SELECT '历史' || r.role, o.id FROM o, (VALUES ('property_manager'), ('grid_worker'), ('handler')) r(role)
                   RETURNING id, org_id, name)
       INSERT INTO linli.role_assignments (person_id, org_id, role)
       SELECT id, org_id, substr(name, 3) FROM pe`,
      [compound, size.compounds],
    );
    // people of other compounds, each with a Telegram identity; 20 people a chat
    await c.query(
      `WITH p AS (
         INSERT INTO linli.people (name, org_id)
         SELECT '历史住户 ' || n, $1 FROM generate_series(1, $2) n RETURNING id)
       INSERT INTO linli.identities (person_id, channel, external_id, display_name)
       SELECT id, 'telegram', 'hist-' || id, '历史住户' FROM p`,
      [compound, size.people],
    );
    const { low, high } = await one<{ low: number; high: number }>(
      "SELECT min(person_id) AS low, max(person_id) AS high FROM linli.identities WHERE external_id LIKE 'hist-%'",
    );
    const person = `(${low} + (n % ${Number(high) - Number(low) + 1}))`;
    const chat = `'hist-chat-' || (n % ${Math.max(1, Math.round(size.people / 20))})`;
    // ended conversations over the year
    await c.query(
      `INSERT INTO linli.conversations (channel, chat_external_id, chat_kind, person_id, person_external_id,
         person_display_name, flow_id, org_id, step, status, started_at, updated_at, expires_at, ended_at, seq)
       SELECT 'telegram', ${chat}, 'group', ${person}, 'hist-' || ${person}, '历史住户', $1, $2, 'confirm',
              (ARRAY['completed','cancelled','expired'])[1 + n % 3],
              t, t, t + interval '1 hour', t + interval '5 minutes', 7
         FROM (SELECT n, now() - random() * interval '365 days' AS t FROM generate_series(1, $3) n) s`,
      [flow, compound, size.conversations],
    );
    // messages sent over the year, to the chats and privately
    await c.query(
      `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, org_id, person_id,
         message, status, attempts, created_at, sent_at, external_message_id, reply)
       SELECT 'hist-' || n, 'telegram',
              CASE WHEN n % 3 = 0 THEN 'hist-' || ${person} ELSE ${chat} END,
              CASE WHEN n % 3 = 0 THEN 'private' ELSE 'group' END,
              $1, ${person}, jsonb_build_object('text', '历史消息 ' || n), 'sent', 1, t, t, n::text, n % 2 = 0
         FROM (SELECT n, now() - random() * interval '365 days' AS t FROM generate_series(1, $2) n) s`,
      [compound, size.deliveries],
    );
    // complaints filed and closed over the year
    await c.query(
      `INSERT INTO linli.complaints (number, org_id, level_org_id, reporter_id, category, description, status,
         level, created_at, updated_at, acknowledged_at, resolved_at, closed_at, channel, chat_external_id)
       SELECT 'H' || lpad(n::text, 8, '0'), $1, $1, ${person}, 'other', '历史投诉 ' || n, 'closed', 'compound',
              t, t, t + interval '1 hour', t + interval '1 day', t + interval '2 days', 'telegram', ${chat}
         FROM (SELECT n, now() - random() * interval '365 days' AS t FROM generate_series(1, $2) n) s`,
      [compound, size.complaints],
    );
    // a day of update marks (kept 24 hours)
    await c.query(
      `INSERT INTO linli.processed_updates (channel, update_id, seen_at)
       SELECT 'telegram', 'hist-' || n, now() - random() * interval '23 hours' FROM generate_series(1, $1) n`,
      [size.marks],
    );
    // as autovacuum would have, long before
    await c.query('VACUUM ANALYZE');
  } finally {
    await c.end();
  }
  return Date.now() - started;
}
