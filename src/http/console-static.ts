import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { body } from './error-handler.js';

/** Where `npm run build --prefix console` writes the console (from src/http or dist/http alike). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

export const CONSOLE_PATH = '/console';

/**
 * The console's CSP (replacing the API's `default-src 'none'` on its routes): its own scripts,
 * styles and fonts only, API calls to this origin, photos as blob: URLs (fetched with the bearer
 * header) and Element Plus's data: icons. Styles allow 'unsafe-inline': Element Plus positions
 * popovers, dialogs and table columns with style attributes it writes at run time. No script is
 * inline (Vite's build has none), nothing is loaded from elsewhere, nothing may frame it.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data: blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

export interface ConsoleOptions {
  /** the built console (default console/dist) */
  dir?: string;
}

/**
 * The admin console under /console: static files of console/dist (built by `npm ci`'s prepare,
 * scripts/console-build.mjs), calling the admin API with the bearer token the person signs in with.
 * Hashed assets are cached for a year (immutable), index.html never (`no-cache`), and every other
 * path under /console/ is index.html (the router's history paths). Without a build, /console
 * answers 503 saying how to build it; nothing else depends on it (/readyz neither).
 */
export async function registerConsole(app: FastifyInstance, opts: ConsoleOptions = {}): Promise<void> {
  const dir = opts.dir ?? CONSOLE_DIST;
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_req, reply) => {
      reply.header('content-security-policy', CONSOLE_CSP);
    });
    const hide = { schema: { hide: true } };
    if (!existsSync(join(dir, 'index.html'))) {
      const unbuilt = async (_req: FastifyRequest, reply: FastifyReply) =>
        reply
          .status(503)
          .header('cache-control', 'no-store')
          .send(
            body(
              'console_not_built',
              `The admin console is not built (no ${join(dir, 'index.html')}): run \`npm run prepare\` in the Linli checkout, then restart Linli`,
            ),
          );
      scope.get(CONSOLE_PATH, hide, unbuilt);
      scope.get(`${CONSOLE_PATH}/*`, hide, unbuilt);
      return;
    }
    await scope.register(fastifyStatic, { root: dir, serve: false, decorateReply: true });
    const index = (reply: FastifyReply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    scope.get(CONSOLE_PATH, hide, async (_req, reply) => reply.redirect(`${CONSOLE_PATH}/`, 302));
    scope.get(`${CONSOLE_PATH}/*`, hide, async (req, reply) => {
      const rel = (req.params as { '*': string })['*'];
      // Vite's hashed bundles: a new build has new names, so a year; a missing one is a 404
      if (rel.startsWith('assets/')) return reply.sendFile(rel, { maxAge: '365d', immutable: true });
      return index(reply);
    });
  });
}
