/**
 * One access_token for every process (src/channels/wechat-oa/access-token.ts), against the fake
 * 公众平台 where a new token ends the old one at once (grace 0): processes asking together fetch
 * once; a token WeChat refuses is replaced once, not once per process; a wrong secret is an error
 * that leaves nobody waiting on the refresh lease.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokenError, AccessTokens } from '../../../src/channels/wechat-oa/access-token.js';
import { OaApi } from '../../../src/channels/wechat-oa/api.js';
import { DEFAULT_MENU } from '../../../src/channels/wechat-oa/menu.js';
import { openPostgres } from '../../../src/kernel/db/connect.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { type FakeOfficialAccount, startFakeOfficialAccount } from '../../fakes/wechat-oa/server.js';
import { openTestDb, type TestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';

const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const logger = pino({ level: 'silent' });

describe.each(engines())('the shared access_token (%s)', (engine) => {
  let db: TestDb | undefined;
  let other: Db | undefined;
  let oa: FakeOfficialAccount | undefined;
  afterEach(async () => {
    await other?.close();
    await db?.close();
    await oa?.close();
    db = other = oa = undefined;
  });

  /** two processes: on PostgreSQL each with its own pool; PGlite has one process by design */
  const twoProcesses = async () => {
    db = await openTestDb(engine);
    other = engine === 'postgres' ? await openPostgres(db.url!, 4) : undefined;
    oa = await startFakeOfficialAccount({
      appId: APP_ID,
      appSecret: APP_SECRET,
      token: 'tok123',
      oldTokenGraceMs: 0,
    });
    const tokens = (d: Db, secret = APP_SECRET) =>
      new AccessTokens({ db: d, appId: APP_ID, appSecret: secret, apiRoot: oa!.apiRoot, logger });
    return { a: tokens(db), b: tokens(other ?? db), tokens, fake: oa };
  };

  it('fetched once for everyone; a refused token is replaced once', async () => {
    const { a, b, fake } = await twoProcesses();
    const got = await Promise.all([a.get(), b.get(), a.get(), b.get()]);
    expect(new Set(got).size).toBe(1);
    expect(fake.tokenFetches).toBe(1);

    const apiA = new OaApi({ tokens: a, apiRoot: fake.apiRoot });
    const apiB = new OaApi({ tokens: b, apiRoot: fake.apiRoot });
    await apiA.post('/cgi-bin/menu/create', DEFAULT_MENU);
    expect(fake.tokenFetches).toBe(1);

    // WeChat ends the token early (42001): both processes meet it; one new token, both calls made
    fake.expireTokens();
    await Promise.all([
      apiA.post('/cgi-bin/menu/create', DEFAULT_MENU),
      apiB.post('/cgi-bin/menu/create', DEFAULT_MENU),
    ]);
    expect(fake.tokenFetches).toBe(2);
    expect(await a.get()).toBe(await b.get());
    const refused = fake.calls.filter((c) => c.path === '/cgi-bin/menu/create' && c.errcode === 42001);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(2);
  });

  it('a wrong secret is an error naming WeChat’s errcode, and frees the refresh for the next try', async () => {
    const { tokens, fake } = await twoProcesses();
    const wrong = tokens(db!, 'ffffffffffffffffffffffffffffffff');
    const err = await wrong.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessTokenError);
    expect((err as AccessTokenError).errcode).toBe(40125);
    expect(String((err as Error).message)).not.toContain('ffffffff');
    expect(wrong.problem()?.message).toMatch(/40125/);
    // the next process with the right secret is not kept waiting for the failed one's lease
    const started = Date.now();
    await tokens(other ?? db!).get();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fake.tokenFetches).toBe(2);
  });
});
