import type { FastifyInstance, InjectOptions } from 'fastify';
import { type Logger, pino } from 'pino';
import type { Services } from '../../src/app/modules.js';
import { type AppOptions, buildApp } from '../../src/http/app.js';
import type { Db } from '../../src/kernel/db/db.js';
import { openTestDb } from './db.js';
import type { Engine } from './env.js';
import { quietServices } from './services.js';

export const ADMIN = 'test-bootstrap-admin-token-0123456789';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  services: Services;
  /** app.inject with a bearer token (the bootstrap admin unless told otherwise) and JSON body. */
  call(opts: InjectOptions & { token?: string | null; body?: unknown }): Promise<{
    status: number;
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
    body: any;
    headers: Record<string, unknown>;
  }>;
  close(): Promise<void>;
}

/** The HTTP app over a fresh database of its own, silent, with the admin API's real services. */
export async function startTestApp(
  engine: Engine,
  opts: Pick<AppOptions, 'auth' | 'trustProxy' | 'plugins'> & { logger?: Logger } = {},
): Promise<TestApp> {
  const db = await openTestDb(engine);
  const services = quietServices(db, { adminToken: ADMIN });
  const app = await buildApp({
    services,
    logger: opts.logger ?? pino({ level: 'silent' }),
    readiness: [{ name: 'database', check: async () => void (await db.query('SELECT 1')) }],
    bodyLimitBytes: 64 * 1024,
    auth: opts.auth,
    trustProxy: opts.trustProxy,
    plugins: opts.plugins,
  });
  await app.ready();
  return {
    app,
    db,
    services,
    async call({ token = ADMIN, body, headers, ...rest }) {
      const res = await app.inject({
        ...rest,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body === undefined
          ? {}
          : typeof body === 'string'
            ? { payload: body }
            : { payload: body as object }),
      });
      let parsed: unknown = res.body;
      try {
        parsed = res.body ? JSON.parse(res.body) : null;
      } catch {
        // not JSON: keep text
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Builds city → district → subdistrict → community → two compounds; returns their ids. */
export async function seedTree(t: TestApp) {
  const mk = async (kind: string, name: string, parentId?: number) => {
    const r = await t.call({ method: 'POST', url: '/api/v1/orgs', body: { kind, name, parentId } });
    if (r.status !== 201) throw new Error(`seed ${kind} failed: ${JSON.stringify(r.body)}`);
    return r.body.id as number;
  };
  const city = await mk('city', '测试市');
  const district = await mk('district', '一区', city);
  const subdistrict = await mk('subdistrict', '一街道', district);
  const community = await mk('community', '一社区', subdistrict);
  const compoundA = await mk('compound', '甲小区', community);
  const compoundB = await mk('compound', '乙小区', community);
  return { city, district, subdistrict, community, compoundA, compoundB };
}

export async function tokenFor(t: TestApp, orgId: number, role: 'admin' | 'viewer'): Promise<string> {
  const r = await t.call({
    method: 'POST',
    url: '/api/v1/tokens',
    body: { orgId, role, label: `${role}@${orgId}` },
  });
  if (r.status !== 201) throw new Error(`token failed: ${JSON.stringify(r.body)}`);
  return r.body.token;
}
