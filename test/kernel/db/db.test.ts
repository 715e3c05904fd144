import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../../src/kernel/db/connect.js';
import { type Db, TransactionMisuseError } from '../../../src/kernel/db/db.js';
import { loadMigrations, migrate } from '../../../src/kernel/db/migrate.js';
import { dropTestDatabase, openTestDb } from '../../support/db.js';
import { engines, hasPostgres, TEST_PG_URL } from '../../support/env.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';

describe.each(engines())('database on %s', (engine) => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb(engine);
  });
  afterEach(async () => {
    await db.close();
  });

  it('returns int8 as number, numeric as exact string, timestamptz as Date, json parsed', async () => {
    const { rows } = await db.query<{ n: number; c: number; a: string; t: Date; j: unknown }>(
      `SELECT 9007199254740991::int8 AS n, count(*) AS c, 123.45::numeric(12,2) AS a,
              now() AS t, '{"x":[1,2]}'::jsonb AS j FROM linli.orgs`,
    );
    expect(rows[0]).toMatchObject({ n: 9007199254740991, c: 0, a: '123.45', j: { x: [1, 2] } });
    expect(rows[0]?.t).toBeInstanceOf(Date);
  });

  it('runs a named (prepared) statement as the same unnamed one, in and out of transactions, after a rollback too', async () => {
    const sql = `SELECT $1::int8 AS n, $2::text AS t, $3::jsonb AS j, count(*) AS c FROM linli.orgs WHERE id = ANY($4::bigint[])`;
    const params = [42, '张伟', JSON.stringify({ a: 1 }), [1, 2]];
    const plain = await db.query(sql, params);
    const named = await db.query(sql, params, { prepare: 'linli_test_named_v1' });
    expect(named.rows).toEqual(plain.rows);
    expect(named.rows[0]).toEqual({ n: 42, t: '张伟', j: { a: 1 }, c: 0 });
    await expect(
      db.transaction(async (tx) => {
        expect(
          (await tx.query(sql, [7, 'x', 'null', []], { prepare: 'linli_test_named_v1' })).rows[0],
        ).toMatchObject({
          n: 7,
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // the statement outlives the rolled-back transaction
    expect(
      (await db.query(sql, [8, 'y', '1', [3]], { prepare: 'linli_test_named_v1' })).rows[0],
    ).toMatchObject({
      n: 8,
      t: 'y',
      j: 1,
    });
    // a write, by name: its row count
    const w = await db.query(`UPDATE linli.orgs SET name = name WHERE id = ANY($1::bigint[])`, [[-1]], {
      prepare: 'linli_test_named_write_v1',
    });
    expect(w.rowCount).toBe(0);
  });

  it('passes every kind of parameter to a named statement as to an unnamed one', async () => {
    const sql = `SELECT $1::text AS s, $2::text[] AS a, $3::timestamptz AS d, $4::bytea AS b, $5::boolean AS f,
                        $6::jsonb AS j, $7::text AS n, $8::float8 AS x`;
    const params = [
      `it's \\ "quoted", {braced}`,
      ['a,b', 'c"d', null, "e'f\\g", ''],
      new Date('2026-12-07T08:09:10.123Z'),
      Buffer.from([0, 1, 254, 255]),
      true,
      JSON.stringify({ q: "it's", bs: '\\', zh: '电梯' }),
      null,
      1.5,
    ];
    const plain = await db.query(sql, params);
    const named = await db.query(sql, params, { prepare: 'linli_test_kinds_v1' });
    expect(named.rows).toEqual(plain.rows);
    expect(named.rows[0]).toMatchObject({ s: params[0], a: params[1], f: true, n: null, x: 1.5 });
  });

  it('throws rather than lose digits of an int8 past 2^53', async () => {
    await expect(db.query('SELECT 9007199254740993::int8 AS n')).rejects.toThrow(/out of safe range/);
  });

  it('commits a transaction and rolls back a failed one completely', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO linli.orgs (kind, name, path) VALUES ('city', 'A', '{}')`);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO linli.orgs (kind, name, path) VALUES ('city', 'B', '{}')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query<{ name: string }>('SELECT name FROM linli.orgs ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['A']);
  });

  it('refuses db.query inside a transaction (it would deadlock on PGlite)', async () => {
    await expect(
      db.transaction(async () => {
        await db.query('SELECT 1');
      }),
    ).rejects.toBeInstanceOf(TransactionMisuseError);
  });

  it('keeps concurrent transactions apart', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO linli.orgs (kind, name, path) VALUES ('city', $1, '{}')`, [`c${i}`]);
          await tx.query('SELECT pg_sleep(0.005)');
          await tx.query(`UPDATE linli.orgs SET path = ARRAY[id] WHERE name = $1`, [`c${i}`]);
        }),
      ),
    );
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*) AS n FROM linli.orgs WHERE path = ARRAY[id]',
    );
    expect(rows[0]?.n).toBe(8);
  });

  it('migrations are recorded, idempotent, and refuse an edited migration', async () => {
    expect(await migrate(db)).toEqual({ applied: [] });
    const ms = loadMigrations();
    const edited = ms.map((m, i) => (i === 0 ? { ...m, checksum: 'changed' } : m));
    await expect(migrate(db, edited)).rejects.toThrow(/changed after it was applied/);
    const { rows } = await db.query<{ version: number }>('SELECT version FROM linli.schema_migrations');
    expect(rows.map((r) => r.version)).toEqual(ms.map((m) => m.version));
  });

  it('two migrators racing apply a new migration once', async () => {
    const extra = [
      ...loadMigrations(),
      { version: 999, name: '999_probe', sql: 'CREATE TABLE linli.probe (id int)', checksum: 'x' },
    ];
    const results = await Promise.all([migrate(db, extra), migrate(db, extra)]);
    expect(results.flatMap((r) => r.applied)).toEqual(['999_probe']);
  });
});

describe.skipIf(!hasPostgres())('PostgreSQL connection lost mid-transaction', () => {
  it('fails the transaction and the process lives on: the dropped client is heard and discarded', async () => {
    const test = await openTestDb('postgres');
    const url = new URL(test.url!);
    const direct = url.toString();
    await test.close({ keep: true });
    const target = new URL(TEST_PG_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    url.port = String(proxy.port);
    const db = await openPostgres(url.toString(), 4);
    try {
      const lost = db.transaction(async (tx) => {
        await tx.query(`INSERT INTO linli.orgs (kind, name, path) VALUES ('city', 'A', '{}')`);
        // the connection drops while the client is checked out and between queries: pg emits
        // 'error' on the client, which must not reach the process as an uncaught exception
        proxy.cut();
        await new Promise((r) => setTimeout(r, 100));
        await tx.query('SELECT 1');
      });
      await expect(lost).rejects.toThrow(/terminated|ECONNRESET|not queryable/);
      proxy.restore();
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM linli.orgs');
      expect(rows[0]?.n).toBe(0);
    } finally {
      await db.close();
      await proxy.close();
      await dropTestDatabase(direct);
    }
  });
});
