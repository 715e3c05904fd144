import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import { DeliveryService } from '../../../src/kernel/outbox/delivery-service.js';
import { findRequests, MAX_REQUESTS } from '../../../src/modules/complaints/open311/repository.js';
import { listComplaints } from '../../../src/modules/complaints/repository.js';
import { overdueComplaints } from '../../../src/modules/complaints/repository-overdue.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { readsOf, total } from '../../support/index-reads.js';

/** `count` complaints in the compounds `orgs` (round robin) with the given status, filed days ago */
const file = (db: TestDb, prefix: string, orgs: number[], count: number, status: string, escalations = 0) =>
  db.query(
    `INSERT INTO linli.complaints (number, org_id, level_org_id, category, description, status, level,
                                   escalations, resolve_due_at, created_at)
     SELECT $1 || n, o.id, o.id, 'lifts', '电梯坏了', $4, 'compound', $5,
            now() - (n % 700) * interval '1 day' + interval '3 days', now() - (n % 700) * interval '1 day'
       FROM generate_series(1, $3) n
       JOIN LATERAL (SELECT ($2::bigint[])[1 + n % cardinality($2::bigint[])] AS id) o ON true`,
    [prefix, orgs, count, status, escalations],
  );

// A list for one compound or community reads that org's rows, not every complaint of the city: a
// city keeps its closed ones for years (the overdue list: migration 037; the complaint list:
// newest-in-scope.ts; Open311's window: migration 038; deliveries' list: a guard).
describe.each(engines())('lists of one org in a city of complaints, on %s', (engine) => {
  let db: TestDb;
  beforeEach(async () => {
    db = await openTestDb(engine);
  });
  afterEach(async () => {
    await db.close();
  });

  const org = async (kind: string, name: string, parent: { id: number; path: number[] } | null) => {
    const { rows } = await db.query<{ id: string | number }>(
      `INSERT INTO linli.orgs (kind, name, parent_id, path) VALUES ($1, $2, $3, '{}') RETURNING id`,
      [kind, name, parent?.id ?? null],
    );
    const id = Number(rows[0]!.id);
    const path = [...(parent?.path ?? []), id];
    await db.query('UPDATE linli.orgs SET path = $2 WHERE id = $1', [id, path]);
    return { id, path };
  };
  /** `count` compounds under `parent` in one statement (a city's worth of others); their ids */
  const compoundsUnder = async (parent: { id: number; path: number[] }, count: number) => {
    const { rows } = await db.query<{ id: string | number }>(
      `INSERT INTO linli.orgs (kind, name, parent_id, path)
       SELECT 'compound', '小区 ' || n, $1, $2::bigint[] FROM generate_series(1, $3) n RETURNING id`,
      [parent.id, parent.path, count],
    );
    await db.query(`UPDATE linli.orgs SET path = path || id WHERE kind = 'compound' AND parent_id = $1`, [
      parent.id,
    ]);
    return rows.map((r) => Number(r.id));
  };

  it("reads the community's open complaints, not the city's history", async () => {
    const city = await org('city', '市', null);
    const street = await org('subdistrict', '街道', city);
    const mine = await org('community', '和平社区', street);
    const myCompounds = [await org('compound', '阳光小区', mine), await org('compound', '月亮小区', mine)];
    const others: number[] = [];
    for (let i = 0; i < 40; i++) {
      const community = await org('community', `社区 ${i}`, street);
      others.push((await org('compound', `小区 ${i}`, community)).id);
    }
    // years of closed complaints, the community's own among them; others' open ones
    await file(db, 'closed-', others, 20_000, 'closed');
    await file(
      db,
      'mine-closed-',
      myCompounds.map((o) => o.id),
      2_000,
      'closed',
    );
    await file(db, 'open-', others, 400, 'accepted', 1);
    await db.query('ANALYZE linli.complaints');
    await db.query('ANALYZE linli.orgs');
    // this community's: two escalated and still open, one open on time, one past its deadline now
    await file(
      db,
      'late-',
      myCompounds.map((o) => o.id),
      2,
      'accepted',
      1,
    );
    await file(db, 'fine-', [myCompounds[0]!.id], 1, 'in_progress');
    await db.query(
      `INSERT INTO linli.complaints (number, org_id, level_org_id, category, description, status, resolve_due_at)
       VALUES ('due-1', $1, $1, 'lifts', '电梯坏了', 'submitted', now() - interval '1 hour')`,
      [myCompounds[1]!.id],
    );

    let found: Awaited<ReturnType<typeof overdueComplaints>> | undefined;
    const reads = await readsOf(db, 'linli.complaints', async (tx) => {
      // as a prepared statement would run it from its sixth time (a generic plan), and the first
      for (let i = 0; i < 6; i++) found = await overdueComplaints(tx, mine.id, new Date(), 50);
    });
    expect(found!.total).toBe(3);
    expect(found!.rows.map((r) => r.number).sort()).toEqual(['due-1', 'late-1', 'late-2']);
    // a few entries a list (its open complaints, by org and by handling level), against 22,000
    expect(total(reads.entries) / 6, JSON.stringify(reads)).toBeLessThan(50);
  });

  it("pages through a compound's and a community's complaints, not the city's", async () => {
    const city = await org('city', '市', null);
    const street = await org('subdistrict', '街道', city);
    const mine = await org('community', '和平社区', street);
    const sunny = await org('compound', '阳光小区', mine);
    const moon = await org('compound', '月亮小区', mine);
    // 400 other compounds under the street (a city has thousands): the two of the community file
    // one complaint in 67, all along
    const others = await compoundsUnder(street, 400);
    await file(
      db,
      'city-',
      [...others.slice(0, 200), sunny.id, ...others.slice(200), moon.id],
      20_100,
      'closed',
    );
    await file(db, 'open-', others, 400, 'accepted');
    await db.query('ANALYZE linli.complaints');
    await db.query('ANALYZE linli.orgs');

    const page =
      (scope: number, before: number | null, status: 'closed' | 'accepted' | null = null) =>
      (tx: typeof db) =>
        listComplaints(tx, {
          scope,
          status,
          level: null,
          category: null,
          overdue: null,
          from: null,
          to: null,
          before,
          now: new Date(),
          limit: 20,
        });
    for (const [scope, expected] of [
      [sunny.id, 50],
      [mine.id, 100],
    ] as const) {
      const seen: number[] = [];
      const reads = await readsOf(db, 'linli.complaints', async (tx) => {
        for (let before: number | null = null; ; ) {
          const rows = await page(scope, before)(tx as TestDb);
          if (!rows.length) break;
          seen.push(...rows.map((r) => Number(r.id)));
          before = Number(rows.at(-1)!.id);
        }
      });
      // every complaint of the org once, newest first
      expect(seen.length).toBe(expected);
      expect(new Set(seen).size).toBe(expected);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
      // about what the pages hold (each its page and a little), against ~400 rows of the city's for
      // each of the org's when the newest ids of all were walked
      expect(total(reads.entries), JSON.stringify(reads)).toBeLessThan(expected * 10);
    }

    // the street (403 orgs, more than are read one by one): the newest of all, as the ids say
    const newest = async (status: string | null, before: number) =>
      (
        await db.query<{ id: string | number }>(
          `SELECT id FROM linli.complaints WHERE ($1::text IS NULL OR status = $1) AND id < $2
            ORDER BY id DESC LIMIT 20`,
          [status, before],
        )
      ).rows.map((r) => Number(r.id));
    const first = (await page(street.id, null)(db)).map((r) => Number(r.id));
    expect(first).toEqual(await newest(null, Number.MAX_SAFE_INTEGER));
    const second = (await page(street.id, first.at(-1)!)(db)).map((r) => Number(r.id));
    expect(second).toEqual(await newest(null, first.at(-1)!));
    const open = (await page(street.id, null, 'accepted')(db)).map((r) => Number(r.id));
    expect(open).toEqual(await newest('accepted', Number.MAX_SAFE_INTEGER));
  });

  // deliveries are the largest table: their list (one org column) must stay org-led too
  it("pages through a compound's deliveries, not the city's", async () => {
    const city = await org('city', '市', null);
    const street = await org('subdistrict', '街道', city);
    const sunny = await org('compound', '阳光小区', street);
    const made = await compoundsUnder(street, 400);
    const orgs = [...made.slice(0, 200), sunny.id, ...made.slice(200)];
    await db.query(
      `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, org_id, message, status, sent_at)
       SELECT 'd-' || n, 'telegram', 'chat-' || (n % 500), 'group', ($1::bigint[])[1 + n % cardinality($1::bigint[])],
              '{"text":"x"}', 'sent', now()
         FROM generate_series(1, 20100) n`,
      [orgs],
    );
    await db.query('ANALYZE linli.deliveries');
    await db.query('ANALYZE linli.orgs');
    const seen: number[] = [];
    const reads = await readsOf(db, 'linli.deliveries', async (tx) => {
      // the service on the transaction's connection, whose statistics readsOf reads
      const service = new DeliveryService(tx as TestDb);
      for (let cursor: string | undefined; ; ) {
        const page = await service.list(SYSTEM_ACTOR.principal, {
          orgId: sunny.id,
          limit: 20,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((d) => Number(d.id)));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
    });
    expect(seen.length).toBe(50);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect(total(reads.entries), JSON.stringify(reads)).toBeLessThan(500);
  });

  it('gives a city-wide Open311 client the newest of its window, reading the window, not the city', async () => {
    const city = await org('city', '市', null);
    const street = await org('subdistrict', '街道', city);
    const compounds = [];
    for (let i = 0; i < 20; i++) compounds.push((await org('compound', `小区 ${i}`, street)).id);
    // 20,000 complaints over the last 700 days (~2,600 in the last 90)
    await file(db, 'c-', compounds, 20_000, 'closed');
    await db.query('ANALYZE linli.complaints');
    const start = new Date(Date.now() - 90 * 86_400_000);
    let rows: Awaited<ReturnType<typeof findRequests>> = [];
    const reads = await readsOf(db, 'linli.complaints', async (tx) => {
      rows = await findRequests(tx, {
        scope: city.id,
        ids: null,
        codes: null,
        statuses: null,
        start,
        end: null,
      });
    });
    expect(rows).toHaveLength(MAX_REQUESTS);
    const times = rows.map((r) => new Date(r.created_at).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(start.getTime());
    // the window's ~2,600 (through the index of filing times), not the table's 20,000
    expect(total(reads.entries), JSON.stringify(reads)).toBeLessThan(3_000);
  });
});
