/**
 * The API document a console or a generated client stands on (#17): every operation named
 * (summary, unique operationId), the errors every route can answer documented (429 from the
 * failed-authentication limit; 413 and 415 where a body is read), ids typed as integers, servers.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

type Response = { content?: Record<string, { schema?: { $ref?: string } }> };
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
  let doc: {
    servers?: unknown[];
    paths: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, unknown> };
  };
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

  it('declares every 2xx body under its real content type, and every error as JSON', () => {
    const gaps: string[] = [];
    for (const { key, op } of ops) {
      const responses = Object.entries(op.responses ?? {}) as [string, Response][];
      const ok = responses.filter(([status]) => status.startsWith('2'));
      if (ok.length === 0) gaps.push(`${key}: no 2xx`);
      for (const [status, r] of ok) {
        if (status === '204') continue;
        const content = Object.entries(r.content ?? {});
        if (content.length === 0) gaps.push(`${key} ${status}: no content`);
        for (const [type, { schema }] of content)
          if (!schema || Object.keys(schema).length === 0)
            gaps.push(`${key} ${status} ${type}: empty schema`);
      }
      for (const [status, r] of responses)
        if (/^[45]/.test(status) && !key.includes(' /open311/'))
          for (const [type, { schema }] of Object.entries(r.content ?? {}))
            if (type !== 'application/json' || schema?.$ref !== '#/components/schemas/Error')
              gaps.push(`${key} ${status}: ${type} is not the Error shape`);
    }
    expect(gaps).toEqual([]);
  });

  it('types every id it reads or answers as an integer, never a plain number', () => {
    const loose: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const props = (node as { properties?: Record<string, { type?: string; items?: { type?: string } }> })
        .properties;
      for (const [name, p] of Object.entries(props ?? {}))
        if (/(^id$|Id$|Ids$)/.test(name) && (p.type === 'number' || p.items?.type === 'number'))
          loose.push(`${at}/${name}`);
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    };
    walk(doc.paths, '#/paths');
    walk(doc.components, '#/components');
    expect([
      ...new Set(loose.map((p) => p.replace(/\/(properties|items|anyOf|allOf|oneOf)\b/g, ''))),
    ]).toEqual([]);
  });

  it('names its shared shapes under components and references them', () => {
    const names = Object.keys(doc.components?.schemas ?? {});
    for (const name of ['Error', 'Org', 'Person', 'Delivery', 'AuditEntry', 'Chat', 'Unit', 'Token'])
      expect(names).toContain(name);
  });

  // docs/openapi.json is what the console's typed client is generated from (and what a client of
  // the API can read without starting Linli): `npm run openapi` rewrites it
  it('is the document committed in docs/openapi.json', () => {
    const file = new URL('../../docs/openapi.json', import.meta.url);
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(file, text);
    expect(existsSync(file), 'docs/openapi.json is missing: run `npm run openapi`').toBe(true);
    expect(readFileSync(file, 'utf8') === text, 'docs/openapi.json is stale: run `npm run openapi`').toBe(
      true,
    );
  });

  // redocly's recommended rules (redocly.yaml and .redocly.lint-ignore.yaml: each exception says why)
  it('passes `redocly lint` with no error and no warning', async () => {
    // the committed document (the test above holds it equal to the served one), linted from the
    // project's root so that redocly.yaml and .redocly.lint-ignore.yaml apply as to anyone's run
    const root = new URL('../../', import.meta.url).pathname;
    const cli = new URL('../../node_modules/@redocly/cli/bin/cli.js', import.meta.url).pathname;
    const run = await promisify(execFile)(
      process.execPath,
      [cli, 'lint', 'docs/openapi.json', '--format=json'],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const report = JSON.parse(run.stdout) as {
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    expect(
      report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`),
    ).toEqual([]);
  }, 60_000);
});
