/**
 * Fuzzing the HTTP API: every operation of the OpenAPI document the app serves gets requests
 * generated with fast-check (fixed seed, so a failure replays): values fitting its schemas with
 * mutations, bad path segments, raw bytes in query strings, broken or mistyped bodies (see
 * test/support/fuzz-requests.ts). Asserted:
 * - no answer is a 5xx, nor the 400 of the error handler's safety net for values only the
 *   database refused (src/http/database-refusal.ts): such a value must be checked at the edge;
 * - no partial write: an answer of 4xx leaves every table of the `linli` schema as it was. Row
 *   triggers installed into this test's own database count committed inserts, updates and
 *   deletes per table (a rolled-back write rolls its count back too; `last_used_at`, stamped by
 *   every authentication, does not count).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_VALUE_MESSAGE } from '../../src/http/database-refusal.js';
import { ADMIN, seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';
import { engines } from '../support/env.js';
import { type FuzzRequest, type Operation, operationsOf, requestsFor } from '../support/fuzz-requests.js';

const SEED = 20_260_301;
/** requests per operation: ~3,500 over the 88 operations on PostgreSQL, ~1,300 on PGlite (slower) */
const PER_OPERATION = { postgres: 40, pglite: 15 } as const;

/** Known good bodies, mutated like the generated ones (they get deeper than schema-fitting ones). */
const NOISE_FLOW = {
  key: 'noise',
  name: { 'zh-CN': '噪音登记', en: 'Noise report' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'command', command: 'noise' }],
  timeoutMinutes: 10,
  start: 'what',
  steps: [
    {
      id: 'what',
      type: 'ask',
      input: 'text',
      save: 'description',
      prompt: { 'zh-CN': '请描述一下：', en: 'Describe it:' },
      next: 'done',
    },
    { id: 'done', type: 'end', text: { 'zh-CN': '已记录。', en: 'Noted.' } },
  ],
};
const SAMPLES: Record<string, unknown[]> = {
  'PUT /api/v1/flows/{key}': [NOISE_FLOW],
  'POST /api/v1/flows/{key}/simulate': [{ answers: ['楼上装修太吵了'], definition: NOISE_FLOW }],
  'POST /api/v1/orgs/{id}/units': [
    [
      {
        building: '9栋',
        unit: '1单元',
        room: '101',
        area: '80',
        owners: [{ name: '赵六', phone: '13900000009' }],
      },
    ],
  ],
  'POST /api/v1/complaints/{id}/actions': [
    { action: 'assign', assigneeId: 999_999 },
    { action: 'accept' },
    { action: 'note', note: '已联系物业' },
  ],
};

/** Counts committed row writes per table of `linli` (see the file comment). */
const WRITE_COUNTER = [
  'CREATE SCHEMA fuzz',
  'CREATE TABLE fuzz.writes (tbl text PRIMARY KEY, n bigint NOT NULL)',
  `CREATE FUNCTION fuzz.bump() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO fuzz.writes VALUES (TG_TABLE_NAME, 1) ON CONFLICT (tbl) DO UPDATE SET n = fuzz.writes.n + 1;
     RETURN NULL;
   END $$`,
  `DO $$ DECLARE t record; BEGIN
     FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'linli' LOOP
       EXECUTE format('CREATE TRIGGER fuzz_write AFTER INSERT OR DELETE ON linli.%I
         FOR EACH ROW EXECUTE FUNCTION fuzz.bump()', t.tablename);
       EXECUTE format('CREATE TRIGGER fuzz_update AFTER UPDATE ON linli.%I FOR EACH ROW
         WHEN ((to_jsonb(OLD) - ''last_used_at'') IS DISTINCT FROM (to_jsonb(NEW) - ''last_used_at''))
         EXECUTE FUNCTION fuzz.bump()', t.tablename);
     END LOOP;
   END $$`,
];

describe.each(engines())('HTTP fuzz on %s', (engine) => {
  let t: TestApp;
  let ops: Operation[];
  const tokens = { superuser: ADMIN, compoundAdmin: '', viewer: '' };

  let renewTokens: () => Promise<void>;

  beforeAll(async () => {
    t = await startTestApp(engine, { auth: { maxFailures: 1_000_000 } });
    const tree = await seedTree(t);
    renewTokens = async () => {
      tokens.compoundAdmin = await tokenFor(t, tree.compoundA, 'admin');
      tokens.viewer = await tokenFor(t, tree.compoundA, 'viewer');
    };
    await renewTokens();
    await seed(t, tree);
    for (const sql of WRITE_COUNTER) await t.db.query(sql);
    const doc = await t.call({ method: 'GET', url: '/docs/json' });
    ops = operationsOf(doc.body);
  });
  afterAll(() => t?.close());

  it('no 5xx and no partial write, for every operation', async () => {
    expect(ops.length).toBeGreaterThan(80);
    const ids = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1, max: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom(999_999, 2 ** 31, Number.MAX_SAFE_INTEGER) },
    );
    const requests = ops.flatMap((op, i) =>
      fc.sample(requestsFor(op, ids, SAMPLES[`${op.method} ${op.path}`]), {
        seed: SEED + i,
        numRuns: PER_OPERATION[engine],
      }),
    );
    // interleaved, so what one operation creates is there for the others
    const order = fc.sample(fc.shuffledSubarray(requests, { minLength: requests.length }), {
      seed: SEED,
      numRuns: 1,
    })[0]!;

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let before = await writes();
    for (const r of order) {
      const res = await send(r);
      const after = await writes();
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) {
        failures.push(`${res.statusCode} ${describeRequest(r)}\n  → ${res.body.slice(0, 300)}`);
      } else if (res.body.includes(INVALID_VALUE_MESSAGE)) {
        failures.push(`only the database refused (check it at the edge): ${describeRequest(r)}`);
      }
      const changed = diff(before, after);
      if (res.statusCode >= 400 && changed) {
        failures.push(`partial write (${changed}) on ${res.statusCode} ${describeRequest(r)}`);
      }
      before = after;
      // a generated DELETE /tokens/:id may have revoked one of the tokens the requests use
      if (r.method === 'DELETE' && res.statusCode === 204 && r.url.startsWith('/api/v1/tokens/')) {
        await renewTokens();
        before = await writes();
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
    // the requests reached the services: many were accepted, many refused
    const count = (from: number, to: number) =>
      [...statuses].filter(([s]) => s >= from && s < to).reduce((n, [, c]) => n + c, 0);
    const summary = JSON.stringify([...statuses].sort());
    expect(count(200, 300), summary).toBeGreaterThan(order.length / 25);
    expect(count(400, 500), summary).toBeGreaterThan(order.length / 2);
    // and the write counter saw the accepted ones write (so it would see a refused one write)
    expect([...(await writes()).values()].reduce((n, c) => n + c, 0)).toBeGreaterThan(10);
  }, 240_000);

  async function send(r: FuzzRequest) {
    const token = (s: string) =>
      s
        .replaceAll('%40compoundAdmin', tokens.compoundAdmin)
        .replaceAll('%40viewer', tokens.viewer)
        .replaceAll('%40superuser', ADMIN)
        .replaceAll('@compoundAdmin', tokens.compoundAdmin)
        .replaceAll('@viewer', tokens.viewer)
        .replaceAll('@superuser', ADMIN);
    return t.app.inject({
      method: r.method as 'GET',
      url: token(r.url),
      headers: { authorization: `Bearer ${tokens[r.as]}`, ...r.headers },
      ...(r.payload !== undefined ? { payload: token(r.payload) } : {}),
    });
  }

  async function writes(): Promise<Map<string, number>> {
    const { rows } = await t.db.query<{ tbl: string; n: number }>('SELECT tbl, n FROM fuzz.writes');
    return new Map(rows.map((r) => [r.tbl, Number(r.n)]));
  }
});

function diff(a: Map<string, number>, b: Map<string, number>): string {
  return [...b]
    .filter(([tbl, n]) => (a.get(tbl) ?? 0) !== n)
    .map(([tbl, n]) => `${tbl} +${n - (a.get(tbl) ?? 0)}`)
    .join(', ');
}

function describeRequest(r: FuzzRequest): string {
  const body =
    r.payload === undefined
      ? ''
      : ` ${r.headers['content-type'] ?? ''} ${JSON.stringify(r.payload.slice(0, 200))}`;
  return `${r.method} ${r.url.slice(0, 200)} as ${r.as}${body}`;
}

/** A few objects of each kind in compound A, so generated ids (1–40) mostly exist. */
async function seed(t: TestApp, tree: Awaited<ReturnType<typeof seedTree>>) {
  const ok = async (method: string, url: string, body: object) => {
    const r = await t.call({ method: method as 'POST', url, body });
    if (r.status >= 300) throw new Error(`seed ${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const person = await ok('POST', '/api/v1/people', {
    name: '张伟',
    phone: '13900000001',
    orgId: tree.compoundA,
  });
  await ok('POST', `/api/v1/people/${person.id}/identities`, { channel: 'telegram', externalId: '5001' });
  await ok('POST', `/api/v1/orgs/${tree.compoundA}/units`, [
    {
      building: '1栋',
      unit: '1单元',
      room: '101',
      area: '89.5',
      owners: [{ name: '王芳', phone: '13900000002' }],
    },
    {
      building: '1栋',
      unit: '1单元',
      room: '102',
      area: '70',
      owners: [{ name: '李军', phone: '13900000003' }],
    },
  ]);
  await ok('POST', `/api/v1/orgs/${tree.compoundA}/chats`, {
    channel: 'telegram',
    externalChatId: '-100123',
    purpose: 'residents',
  });
  await ok('POST', `/api/v1/orgs/${tree.compoundA}/bind-codes`, { purpose: 'handlers' });
  for (const description of ['楼道灯坏了', '电梯异响']) {
    const filed = await t.call({
      method: 'POST',
      url: '/open311/v2/requests.json',
      token: null,
      body: {
        api_key: await tokenFor(t, tree.compoundA, 'admin'),
        service_code: 'repairs',
        description,
        address_string: '1栋',
      },
    });
    if (filed.status !== 200) throw new Error(`seed complaint: ${JSON.stringify(filed.body)}`);
  }
  await ok('POST', '/api/v1/party-branches', {
    orgId: tree.community,
    name: '第一党支部',
    secretaryPersonId: person.id,
  });
  await ok('POST', '/api/v1/reminders', {
    orgId: tree.compoundA,
    audience: { kind: 'group', orgId: tree.compoundA },
    text: '{org}：本月物业费请按时缴纳',
    schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=10;BYMINUTE=0' },
  });
  const company = await ok('POST', '/api/v1/property-companies', { orgId: tree.community, name: '安居物业' });
  await ok('POST', `/api/v1/property-companies/${company.id}/contracts`, {
    compoundId: tree.compoundA,
    startsOn: '2025-01-01',
  });
  await ok('POST', '/api/v1/proposals', {
    orgId: tree.compoundA,
    title: '更换电梯',
    rule: 'simple',
    options: ['同意', '不同意'],
    closesAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  });
}
