import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, registerConsole } from '../../src/http/console-static.js';
import { installErrorHandler } from '../../src/http/error-handler.js';

/** /console: the built console's files, index.html for the router's paths, 503 before a build. */
describe('the console’s static files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linli-console-'));
  const built = join(dir, 'dist');
  let withBuild: FastifyInstance;
  let without: FastifyInstance;
  const app = async (consoleDir: string) => {
    const a = Fastify();
    installErrorHandler(a);
    // the API's CSP, as in src/http/app.ts: the console's own replaces it on its routes
    await a.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } },
    });
    await registerConsole(a, { dir: consoleDir });
    a.get('/readyz', async () => ({ status: 'ok' }));
    await a.ready();
    return a;
  };
  beforeAll(async () => {
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(built, 'assets', 'index-AbC123.js'), 'console.log(1)');
    withBuild = await app(built);
    without = await app(join(dir, 'nothing-here'));
  });
  afterAll(async () => {
    await withBuild.close();
    await without.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html (never cached) at /console/ and at every history path under it', async () => {
    const root = await withBuild.inject({ url: '/console' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');
    for (const url of ['/console/', '/console/complaints/12', '/console/orgs?q=x']) {
      const r = await withBuild.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(r.body).toContain('<div id="app">');
    }
  });

  it('caches hashed assets for a year, immutable; a missing asset is a 404, not the page', async () => {
    const js = await withBuild.inject({ url: '/console/assets/index-AbC123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await withBuild.inject({ url: '/console/assets/gone-999.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const outside = await withBuild.inject({ url: '/console/assets/..%2F..%2Fpackage.json' });
    expect(outside.statusCode).not.toBe(200);
  });

  it('the console’s CSP lets only its own scripts run and loads nothing from elsewhere', () => {
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toMatch(/https?:|\*|'unsafe-eval'/);
  });

  it('without a build /console answers 503 saying how to build it, and nothing else changes', async () => {
    for (const url of ['/console', '/console/', '/console/complaints']) {
      const r = await without.inject({ url });
      expect(r.statusCode, url).toBe(503);
      expect(r.json().error.code).toBe('console_not_built');
      expect(r.json().error.message).toContain('npm run prepare');
    }
    expect((await without.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});
