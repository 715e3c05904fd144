/**
 * The API document a console or a generated client stands on (#17): every operation named
 * (summary, unique operationId), the errors every route can answer documented (429 from the
 * failed-authentication limit; 413 and 415 where a body is read), ids typed as integers, servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

type Operation = {
  summary?: string;
  operationId?: string;
  requestBody?: unknown;
  parameters?: { name: string; in: string; schema?: { type?: string } }[];
  responses?: Record<string, unknown>;
};

describe('the OpenAPI document', () => {
  let t: TestApp;
  let ops: { key: string; op: Operation }[];
  let doc: { servers?: unknown[]; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    t = await startTestApp('pglite');
    doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, op })),
    );
  }, 120_000);
  afterAll(() => t?.close());

  it('names every operation: a summary and a unique operationId', () => {
    expect(ops.length).toBeGreaterThan(100);
    expect(ops.filter((o) => !o.op.summary?.trim()).map((o) => o.key)).toEqual([]);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('documents the errors every admin route can answer, and 413/415 where a body is read', () => {
    const api = ops.filter((o) => o.key.includes(' /api/v1/'));
    expect(api.filter((o) => !o.op.responses?.['429']).map((o) => o.key)).toEqual([]);
    expect(api.filter((o) => !o.op.responses?.['401']).map((o) => o.key)).toEqual([]);
    const withBody = api.filter((o) => o.op.requestBody);
    expect(withBody.length).toBeGreaterThan(20);
    expect(
      withBody.filter((o) => !o.op.responses?.['413'] || !o.op.responses?.['415']).map((o) => o.key),
    ).toEqual([]);
  });

  it('answers 413 and 415 as documented, with the error body', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const tooBig = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'city', name: 'x'.repeat(70 * 1024) }),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('payload_too_large');
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orgs',
      headers: { ...auth, 'content-type': 'application/xml' },
      payload: '<org kind="city"/>',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error).toMatchObject({ code: 'unsupported_media_type', details: [] });
  });

  // Open311's service_request_id is a string by its specification
  it('types every id in an admin API path as an integer', () => {
    const ids = ops.flatMap((o) =>
      (o.op.parameters ?? [])
        .filter((p) => p.in === 'path' && /(^id$|Id$)/.test(p.name) && o.key.includes(' /api/v1/'))
        .map((p) => ({ key: `${o.key} ${p.name}`, type: p.schema?.type })),
    );
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.filter((p) => p.type !== 'integer')).toEqual([]);
  });
});
