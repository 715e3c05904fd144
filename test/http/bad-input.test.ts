/**
 * Input that used to reach PostgreSQL and come back as a 500: text it cannot store (U+0000, lone
 * UTF-16 surrogates) anywhere in a request, ids that are not ids in any path, dates out of its
 * range, and references to rows that do not exist. Each is a 4xx naming the field where the
 * field is known, and nothing is written.
 */
import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRouteInputRules } from '../../src/http/route-input-rules.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';
import { engines } from '../support/env.js';
import { operationsOf } from '../support/fuzz-requests.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(engines())('bad input is a 4xx on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  let keyA: string;
  /** rows of the tables a refused request could have written to */
  const footprint = async () =>
    (
      await t.db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM linli.audit_log) || '/' || (SELECT count(*) FROM linli.people) || '/' ||
                (SELECT count(*) FROM linli.complaints) || '/' || (SELECT count(*) FROM linli.flows) || '/' || (SELECT count(*) FROM linli.complaint_events) AS n`,
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    keyA = await tokenFor(t, tree.compoundA, 'admin');
  });
  afterAll(() => t.close());

  it('refuses U+0000 and lone surrogates in bodies, JSON columns, query strings and paths, naming the field', async () => {
    const before = await footprint();
    const cases = [
      { method: 'POST', url: '/api/v1/people', body: { name: 'a\u0000b' }, field: 'body.name' },
      { method: 'POST', url: '/api/v1/people', body: { name: '张\ud800' }, field: 'body.name' },
      {
        method: 'POST',
        url: '/api/v1/tokens',
        body: { orgId: tree.compoundA, role: 'admin', label: 'x\udc00' },
        field: 'body.label',
      },
      { method: 'GET', url: '/api/v1/orgs?q=%00', field: 'querystring.q' },
      { method: 'GET', url: '/api/v1/flows/a%00b', field: 'params.key' },
      {
        method: 'PUT',
        url: '/api/v1/flows/noise',
        body: { key: 'noise', name: { 'zh-CN': '噪音', en: '\ud800' } },
        field: 'body.name.en',
      },
      {
        method: 'PUT',
        url: '/api/v1/flows/noise',
        body: { key: 'noise', steps: [{ id: 'a', prompt: { 'zh-CN': 'x\u0000' } }] },
        field: 'body.steps.0.prompt.zh-CN',
      },
      {
        method: 'PUT',
        url: '/api/v1/flows/noise',
        body: { key: 'noise', name: { '\u0000': 'x' } },
        field: 'body.name',
      },
      {
        method: 'POST',
        url: `/api/v1/orgs/${tree.compoundA}/units`,
        body: 'building,unit,room,area,owner_name,owner_phone,voter\n1栋,1,101,50,张\u0000伟,,\n',
        headers: { 'content-type': 'text/csv' },
        // the import decodes the file first and names the encoding problem (row and column)
        field: 'encoding',
      },
    ] as const;
    for (const c of cases) {
      const r = await t.call({
        method: c.method,
        url: c.url,
        ...('body' in c ? { body: c.body } : {}),
        ...('headers' in c ? { headers: c.headers } : {}),
      });
      expect(r.status, `${c.method} ${c.url}`).toBe(400);
      expect(r.body.error.code, `${c.method} ${c.url}`).toBe('validation_failed');
      expect(r.body.error.details[0].field, `${c.method} ${c.url}`).toBe(c.field);
      expect(r.body.error.message).toContain(c.field);
    }
    expect(await footprint()).toBe(before);
  });

  it('refuses them in Open311 form bodies, queries and paths, in Open311’s error format', async () => {
    const before = await footprint();
    const post = await t.call({
      method: 'POST',
      url: '/open311/v2/requests.json',
      token: null,
      headers: FORM,
      body: `api_key=${keyA}&service_code=repairs&description=${encodeURIComponent('灯坏了')}%00`,
    });
    expect(post.status).toBe(400);
    expect(post.body).toEqual([{ code: 400, description: expect.stringContaining('body.description') }]);
    const list = await t.call({
      method: 'GET',
      url: `/open311/v2/requests.json?api_key=${keyA}&service_code=a%00`,
      token: null,
    });
    expect(list.status).toBe(400);
    expect(list.body[0].description).toContain('querystring.service_code');
    const key = await t.call({ method: 'GET', url: '/open311/v2/services.json?api_key=%00', token: null });
    expect(key.status).toBe(400);
    const code = await t.call({
      method: 'GET',
      url: `/open311/v2/services/a%00.json?api_key=${keyA}`,
      token: null,
    });
    expect(code.status).toBe(400);
    expect(code.body[0].description).toContain('params.code');
    expect(await footprint()).toBe(before);
  });

  it('validates the path parameters of every route: an id that is not one is a 400 naming it', async () => {
    const doc = (await t.call({ method: 'GET', url: '/docs/json' })).body;
    const withIds = operationsOf(doc).filter((op) =>
      op.params.some((p) => p.in === 'path' && p.schema.type === 'integer'),
    );
    expect(withIds.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const op of withIds) {
      // an id is positive; a number that is not an id may start at 0 (a flow's version 0 is its draft)
      const onlyIds = op.params.every(
        (p) => p.in !== 'path' || p.schema.type !== 'integer' || /(^id$|Id$)/.test(p.name),
      );
      for (const bad of ['abc', '-1', ...(onlyIds ? ['0'] : []), '1.5', '99999999999999999999']) {
        const url = op.params
          .filter((p) => p.in === 'path')
          .reduce(
            (u, p) => u.replace(`{${p.name}}`, p.schema.type === 'integer' ? bad : 'complaint'),
            op.path,
          );
        const r = await t.call({ method: op.method as 'GET', url, body: op.body ? {} : undefined });
        const field = r.body?.error?.details?.[0]?.field as string | undefined;
        if (r.status !== 400 || !field?.startsWith('params.')) {
          wrong.push(`${op.method} ${url}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a route that declares no query parameters refuses unknown ones (named), like the routes that declare theirs', async () => {
    for (const url of [
      `/api/v1/orgs/${tree.city}?foo=1`,
      '/api/v1/party-commitments?x=%00',
      '/api/v1/orgs?foo=1',
    ]) {
      const r = await t.call({ method: 'GET', url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.details[0].field, url).toMatch(/^querystring\.(foo|x)$/);
    }
    // and an unknown field is named, in a query or a body
    const body = await t.call({ method: 'POST', url: '/api/v1/people', body: { name: '张伟', bogus: 1 } });
    expect(body.status).toBe(400);
    expect(body.body.error.details[0].field).toBe('body.bogus');
  });

  it('a route with path parameters and no params schema cannot be registered', async () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    installRouteInputRules(app);
    expect(() => app.get('/things/:id', async () => 'unchecked')).toThrow(
      /GET \/things\/:id has path parameters but no params schema/,
    );
    await app.close();
  });

  it('the unit import validates its path like every route', async () => {
    const before = await footprint();
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/orgs/abc/units',
      body: [{ building: '1栋', unit: '1', room: '101', area: '50', owners: [{ name: '张伟' }] }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('params.id');
    expect(await footprint()).toBe(before);
  });

  it('refuses dates PostgreSQL cannot hold, naming the field', async () => {
    for (const [url, field] of [
      ['/api/v1/complaints?from=-200000-01-01T00:00:00Z', 'querystring.from'],
      ['/api/v1/metrics/complaints?to=%2B275760-09-13T00:00:00Z', 'querystring.to'],
    ] as const) {
      const r = await t.call({ method: 'GET', url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.details[0].field).toBe(field);
    }
    const proposal = await t.call({
      method: 'POST',
      url: '/api/v1/proposals',
      body: { orgId: tree.compoundA, title: '换电梯', rule: 'simple', closesAt: '-200000-01-01T00:00:00Z' },
    });
    expect(proposal.status).toBe(400);
    expect(proposal.body.error.details[0].field).toBe('body.closesAt');
  });

  it('assigning a complaint to a person who does not exist is a 404 that names nothing, and writes nothing', async () => {
    const id = await t.db.transaction(async (tx) => {
      const c = await t.services.complaints.file(tx, {
        compoundId: tree.compoundA,
        reporterId: null,
        anonymous: true,
        category: 'parking',
        description: '车位被占',
        photos: [],
      });
      return c.id;
    });
    const before = await footprint();
    const timeline = (await t.call({ method: 'GET', url: `/api/v1/complaints/${id}` })).body;
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/complaints/${id}/actions`,
      body: { action: 'assign', assigneeId: 999_999 },
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
    expect(JSON.stringify(r.body)).not.toMatch(/999999|people|person_id|fkey|linli/);
    expect(await footprint()).toBe(before);
    expect((await t.call({ method: 'GET', url: `/api/v1/complaints/${id}` })).body).toEqual(timeline);
  });
});
