import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireInScope, type ScopedKind } from '../../src/kernel/access/in-scope.js';
import { startTestApp, type TestApp, tokenFor } from '../support/app.js';
import { engines } from '../support/env.js';
import { buildWorld, type Side, snapshotA, type World } from '../support/scope-world.js';
import { ABSENT_ID, NOT_OBJECT_IDS, type Probe, type Req, TABLE } from './scope-table.js';

// a fresh database and two compounds of objects to build first: slow on a loaded 2-CPU machine
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const ID_FIELD = /(^id$|Id$|Ids$|_id$|^assignees$|^chat$)/;

interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      }
    >
  >;
}
interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

/** Property paths of a JSON schema whose last name looks like an id. */
function idFields(s: Schema | undefined, prefix = ''): string[] {
  if (!s) return [];
  const out: string[] = [];
  for (const [name, sub] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (ID_FIELD.test(name) && !NOT_OBJECT_IDS.has(name) && !NOT_OBJECT_IDS.has(path)) out.push(path);
    out.push(...idFields(sub, path));
  }
  for (const sub of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])])
    out.push(...idFields(sub, prefix));
  if (s.items) out.push(...idFields(s.items, prefix));
  return [...new Set(out)];
}

describe.each(engines())('a compound’s token reaches nothing of a sibling compound on %s', (engine) => {
  let t: TestApp;
  let w: World;
  let doc: OpenApi;

  beforeAll(async () => {
    t = await startTestApp(engine);
    w = await buildWorld(t);
    doc = (await t.call({ method: 'GET', url: '/docs/json', token: null })).body;
  });
  afterAll(() => t.close());

  const send = async (r: Req, token: string) => {
    if (r.form) {
      return t.call({
        method: r.method,
        url: r.url,
        token: null,
        headers: FORM,
        body: new URLSearchParams(r.form).toString(),
      });
    }
    return t.call({
      method: r.method,
      url: r.url,
      body: r.body as object | undefined,
      token: r.url.startsWith('/open311') ? null : token,
    });
  };
  /** The body with the id it was asked about replaced, so two answers can be compared. */
  const normalized = (body: unknown, value: string) =>
    JSON.stringify(body).replace(
      new RegExp(`(?<![0-9A-Za-z])${value.replace(/[-]/g, '\\-')}(?![0-9])`, 'g'),
      '<id>',
    );

  /** Whether a refusal is about the probed id: its field named (body, query) or its value (path). */
  const answersAbout = (op: string, field: string, body: unknown, value: string) => {
    const text = JSON.stringify(body);
    if (op.includes(`{${field}}`)) return new RegExp(`(?<![0-9])${value}(?![0-9])`).test(text);
    if (Array.isArray(body)) return text.includes(field); // Open311: [{code, description}]
    const details = (body as { error?: { details?: { field?: string }[] } }).error?.details ?? [];
    // a field inside an array is named with its index (slots.0.personId): the document names it without
    const unindexed = (f: string | undefined) => f?.replace(/\.\d+(?=\.|$)/g, '');
    return details.some(
      (d) => d.field === field || d.field?.startsWith(`${field}.`) || unindexed(d.field) === field,
    );
  };

  it('has an entry for every operation of the OpenAPI document, and a probe for every id field', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops.length).toBeGreaterThan(80);
    expect(Object.keys(TABLE).sort()).toEqual([...ops].sort());
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        const key = `${m.toUpperCase()} ${path}`;
        const fields = [
          ...(op.parameters ?? [])
            .filter((x) => (x.in === 'path' || x.in === 'query') && ID_FIELD.test(x.name))
            .filter((x) => !NOT_OBJECT_IDS.has(x.name))
            .map((x) => x.name),
          ...Object.values(op.requestBody?.content ?? {}).flatMap((c) => idFields(c.schema)),
        ];
        const entry = TABLE[key];
        const probed = new Set(Array.isArray(entry) ? entry.map((x) => x.field) : []);
        for (const f of new Set(fields)) if (!probed.has(f)) missing.push(`${key}: ${f}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('answers "elsewhere" exactly as "absent" on every id of every route, and changes nothing', async () => {
    const before = await snapshotA(t, w);
    const differences: string[] = [];
    for (const [op, entry] of Object.entries(TABLE)) {
      if (!Array.isArray(entry)) continue;
      for (const probe of entry as Probe[]) {
        const elsewhere = String(w.a[probe.target]);
        const absent = probe.absent ?? ABSENT_ID;
        const want = probe.expect ?? 404;
        const ra = await send(probe.req(elsewhere, w), w.b.token);
        const rb = await send(probe.req(absent, w), w.b.token);
        const what = `${op} ${probe.field}`;
        if (ra.status !== want || rb.status !== want)
          differences.push(
            `${what}: elsewhere ${ra.status}, absent ${rb.status}, want ${want}: ${JSON.stringify(ra.body)} | ${JSON.stringify(rb.body)}`,
          );
        else if (normalized(ra.body, elsewhere) !== normalized(rb.body, absent))
          differences.push(`${what}: ${JSON.stringify(ra.body)} vs ${JSON.stringify(rb.body)}`);
        else if (want !== 200 && !answersAbout(op, probe.field, ra.body, elsewhere))
          // else the probe proves nothing: something before the id turned the request away
          differences.push(`${what}: the answer is not about ${probe.field}: ${JSON.stringify(ra.body)}`);
      }
    }
    expect(differences).toEqual([]);
    expect(await snapshotA(t, w)).toEqual(before);
  });

  it('places every kind of object the way its path does (the helper itself)', async () => {
    const b = (await t.services.tokens.authenticate(w.b.token))!;
    const kinds: [ScopedKind, keyof Side][] = [
      ['org', 'compound'],
      ['org', 'building'],
      ['person', 'person'],
      ['person', 'owner'],
      ['unit', 'unit'],
      ['chat', 'chat'],
      ['party_branch', 'branch'],
      ['party_member', 'member'],
      ['property_company', 'company'],
      ['complaint', 'complaint'],
      ['proposal', 'proposal'],
      ['reminder', 'reminder'],
      ['evaluation', 'evaluation'],
      ['task', 'task'],
    ];
    const answer = (kind: ScopedKind, id: number) =>
      requireInScope(t.db, b, kind, id, { field: 'x' }).then(
        () => 'ok',
        (e: { status: number; message: string }) => `${e.status} ${e.message}`,
      );
    for (const [kind, key] of kinds) {
      expect(await answer(kind, w.b[key] as number), `${kind} of B`).toBe('ok');
      const elsewhere = await answer(kind, w.a[key] as number);
      expect(elsewhere, `${kind} of A`).toMatch(/^404 x: no such /);
      expect(await answer(kind, Number(ABSENT_ID)), `absent ${kind}`).toBe(elsewhere);
    }
  });

  it('a simulated flow’s actions tell nothing about another compound’s complaints', async () => {
    // a draft naming a complaint id as a constant, run dry: A's complaint and an absent one alike
    const probe = (action: 'rate_complaint' | 'note_complaint', complaintId: number) => ({
      key: 'probe',
      name: { 'zh-CN': '探测' },
      locales: ['zh-CN'],
      triggers: [{ type: 'command', command: 'probe' }],
      start: 'act',
      steps: [
        {
          id: 'act',
          type: 'action',
          action,
          save: 'out',
          inputs:
            action === 'rate_complaint'
              ? { complaintId: { value: complaintId }, rating: { value: 'satisfied' } }
              : { complaintId: { value: complaintId }, note: { value: '探测' } },
          next: 'done',
        },
        { id: 'done', type: 'end', text: { 'zh-CN': '编号 {{out.number}}' } },
      ],
    });
    for (const action of ['rate_complaint', 'note_complaint'] as const) {
      const run = (id: number) =>
        t.call({
          method: 'POST',
          url: '/api/v1/flows/complaint/simulate',
          body: { answers: [], definition: probe(action, id) },
          token: w.b.token,
        });
      const elsewhere = await run(w.a.complaint);
      const absent = await run(Number(ABSENT_ID));
      expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(200);
      expect(elsewhere.body).toEqual(absent.body);
    }
  });

  it('closes the reported path: a secretary from A, then A’s person and a chat account on them', async () => {
    const b = w.b.token;
    const secretary = await t.call({
      method: 'PATCH',
      url: `/api/v1/party-branches/${w.b.branch}`,
      body: { secretaryPersonId: w.a.person },
      token: b,
    });
    expect(secretary.status).toBe(404);
    expect(secretary.body.error.details).toEqual([{ field: 'secretaryPersonId', message: 'no such person' }]);
    expect(JSON.stringify(secretary.body)).not.toContain(String(w.a.person));
    expect((await t.call({ method: 'GET', url: `/api/v1/people/${w.a.person}`, token: b })).status).toBe(404);
    const identity = await t.call({
      method: 'POST',
      url: `/api/v1/people/${w.a.person}/identities`,
      body: { channel: 'telegram', externalId: 'attacker' },
      token: b,
    });
    expect(identity.status).toBe(404);
    const assign = await t.call({
      method: 'POST',
      url: `/api/v1/complaints/${w.b.complaint}/actions`,
      body: { action: 'assign', assigneeId: w.a.person },
      token: b,
    });
    expect(assign.status).toBe(404);
    const taskOnA = await t.call({
      method: 'POST',
      url: '/api/v1/tasks',
      body: {
        orgId: w.b.compound,
        branchId: w.a.branch,
        title: '巡查',
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        volunteersNeeded: 1,
      },
      token: b,
    });
    expect(taskOnA.status).toBe(404);
  });

  it('still lets a token name what is inside its subtree', async () => {
    const b = w.b.token;
    const assign = await t.call({
      method: 'POST',
      url: `/api/v1/complaints/${w.b.complaint}/actions`,
      body: { action: 'assign', assigneeId: w.b.person },
      token: b,
    });
    expect(assign.status).toBe(200);
    expect(assign.body.assigneeId).toBe(w.b.person);
    const secretary = await t.call({
      method: 'PATCH',
      url: `/api/v1/party-branches/${w.b.branch}`,
      body: { secretaryPersonId: w.b.person },
      token: b,
    });
    expect(secretary.status).toBe(200);
    // the community's token sees both compounds: it may assign B's complaint to A's person
    const community = await tokenFor(t, w.tree.community, 'admin');
    const across = await t.call({
      method: 'POST',
      url: `/api/v1/complaints/${w.b.complaint}/actions`,
      body: { action: 'assign', assigneeId: w.a.person },
      token: community,
    });
    expect(across.status).toBe(200);
    // a viewer names nothing it could write with: 403 inside, 404 outside
    const viewer = await tokenFor(t, w.b.compound, 'viewer');
    const asViewer = (personId: number) =>
      t.call({
        method: 'POST',
        url: '/api/v1/party-branches',
        body: { orgId: w.b.compound, name: '观察者党支部', secretaryPersonId: personId },
        token: viewer,
      });
    expect((await asViewer(w.b.person)).status).toBe(403);
  });

  it('tells a taken chat account or chat apart without naming whose it is', async () => {
    const b = w.b.token;
    const identity = await t.call({
      method: 'POST',
      url: `/api/v1/people/${w.b.person}/identities`,
      body: { channel: 'telegram', externalId: w.a.identity },
      token: b,
    });
    expect(identity.status).toBe(409);
    expect(identity.body.error.details).toEqual([{ field: 'externalId', message: 'already linked' }]);
    const chat = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${w.b.compound}/chats`,
      body: { channel: 'telegram', externalChatId: w.a.externalChatId, purpose: 'residents' },
      token: b,
    });
    expect(chat.status).toBe(409);
    for (const r of [identity, chat]) {
      const text = JSON.stringify(r.body);
      for (const secret of [w.a.compound, w.a.person, w.a.chat, w.a.identity, '甲小区', '居民A'])
        expect(text).not.toContain(String(secret));
      expect(text).not.toMatch(/another org|another person/);
    }
  });

  it('matches owners by phone inside the compound only', async () => {
    // the reported chain: A's owner made B's branch secretary (a role at B), then B's register
    // naming their phone matched them and made them an owner in B
    const secretary = await t.call({
      method: 'PATCH',
      url: `/api/v1/party-branches/${w.b.branch}`,
      body: { secretaryPersonId: w.a.owner },
      token: w.b.token,
    });
    // A's owner's phone, in B's register: a new person of B, A's owner untouched
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${w.b.compound}/units`,
      body: [
        {
          building: '2栋',
          unit: '1单元',
          room: '201',
          area: '70',
          owners: [{ name: '业主A', phone: '13900000001', voter: true }],
        },
      ],
      token: w.b.token,
    });
    expect(r.status).toBe(200);
    expect(r.body.ownersCreated).toBe(1);
    const roles = await t.db.query('SELECT org_id FROM linli.role_assignments WHERE person_id = $1', [
      w.a.owner,
    ]);
    expect(roles.rows.map((x) => Number(x.org_id))).toEqual([w.a.compound]);
    expect(secretary.status).toBe(404);
    // the phone of B's own owner matches B's owner
    const again = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${w.b.compound}/units`,
      body: [
        {
          building: '2栋',
          unit: '1单元',
          room: '202',
          area: '70',
          owners: [{ name: '业主B', phone: '13900000002', voter: true }],
        },
      ],
      token: w.b.token,
    });
    expect(again.body.ownersCreated).toBe(0);
  });
});
