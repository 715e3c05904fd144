import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWAGGER_UI_INLINE_STYLES } from '../../src/http/docs-csp.js';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * Security headers on every answer. Before, no answer had X-Content-Type-Options,
 * X-Frame-Options, a CSP or HSTS. The docs keep working under their own CSP: every asset their
 * page names loads (200), and the policy allows exactly what the page uses.
 */
describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(() => t.close());

  const get = (url: string, token: string | null = null) => t.call({ method: 'GET', url, token });
  const common = (h: Record<string, unknown>) => {
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(h['referrer-policy']).toBe('no-referrer');
  };

  it('are on the API, Open311, health, errors and unknown routes, with a CSP that allows nothing', async () => {
    const answers = [
      await get('/healthz'),
      await get('/api/v1/orgs', 'test-bootstrap-admin-token-0123456789'),
      await get('/api/v1/orgs'),
      await get('/api/v1/orgs/abc', 'test-bootstrap-admin-token-0123456789'),
      await get('/open311/v2/discovery.json'),
      await get('/open311/v2/services.json'),
      await get('/no/such/route'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 400, 200, 403, 404]);
    for (const a of answers) {
      common(a.headers);
      expect(a.headers['content-security-policy']).toBe(
        "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
      );
    }
  });

  it('keep Swagger UI at /docs working: the page and every asset it names load under a CSP that allows them', async () => {
    const page = await get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    common(page.headers);
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    // its own stylesheets, and the inline <style> elements its scripts render, by their hashes
    expect(directives.get('style-src')).toEqual([
      "'self'",
      ...SWAGGER_UI_INLINE_STYLES.map(
        (css) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`,
      ),
    ]);
    const preset = String((await get('/docs/static/swagger-ui-standalone-preset.js')).body);
    for (const css of SWAGGER_UI_INLINE_STYLES) expect(preset).toContain(`"style",null,"${css}"`);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);

    const html = String(page.body);
    // nothing inline that 'self' would not cover
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const scripts = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    const icons = [...html.matchAll(/<link[^>]*rel="icon"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(3);
    expect(styles).toHaveLength(2);
    for (const [urls, type] of [
      [scripts, /javascript/],
      [styles, /text\/css/],
      [icons, /image\/png/],
    ] as const) {
      for (const u of urls) {
        // same origin ('self'): a path, resolved against the page
        expect(u).toMatch(/^\/docs\//);
        const asset = await get(u);
        expect(asset.status, u).toBe(200);
        expect(asset.headers['content-type'], u).toMatch(type);
        expect(asset.headers['x-content-type-options']).toBe('nosniff');
      }
    }
    // the initializer points the UI at the spec next to the page (connect-src 'self'), which loads
    const init = await get('/docs/static/swagger-initializer.js');
    expect(String(init.body)).toContain("url: resolveUrl('./json')");
    const spec = await get('/docs/json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toBe('3.0.3');
    common(spec.headers);
  });
});
