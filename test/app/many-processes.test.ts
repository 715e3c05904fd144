/**
 * Many processes, one truth (#18.3): two `api` and two `worker` processes on one PostgreSQL
 * database and one Redis, as production runs them. 160 residents file complaints through the
 * Telegram webhook (20 compounds, a group each, the built-in conversation) and a city system files
 * 40 more through Open311 on the other api process, while the compound has 5 seconds to
 * acknowledge; one worker is killed with SIGKILL halfway. Then: every process was ready (the
 * workers on their own health listener), every complaint escalated exactly once to the community,
 * the community's handler was told of each exactly once, every message the fake Bot API took was
 * one delivery's, and nothing stayed queued.
 *
 * The scene is set as people would: the demo compound (seeded once by whichever process started
 * first), the escalation policy and the handler over the admin API, `/bind` in each group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/kernel/db/connect.js';
import { type FakeTelegram, type FakeUser, startFakeTelegram } from '../fakes/telegram/index.js';
import { dropTestDatabase, openTestDb } from '../support/db.js';
import { hasPostgres, hasRedis, TEST_REDIS_URL } from '../support/env.js';
import { freePort } from '../support/net.js';
import { deleteRedisKeys } from '../support/redis.js';
import { fileComplaintInGroup, TelegramWebhookSender } from '../support/telegram-residents.js';

const ADMIN = 'many-processes-admin-token-0123456789';
const SECRET = 'many-processes-hook-secret';
const GROUPS = Number(process.env.MP_GROUPS ?? 20);
const PER_GROUP = Number(process.env.MP_PER_GROUP ?? 8);
/** filed by a city system through Open311 on the other api process, while the residents talk */
const OPEN311 = Number(process.env.MP_OPEN311 ?? 40);
const HANDLER: FakeUser = { id: 88001, first_name: '社区', last_name: '网格长' };

interface Proc {
  role: 'api' | 'worker';
  base: string;
  child: ChildProcess;
  output: () => string;
}

function startProcess(role: 'api' | 'worker', port: number, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, LINLI_ROLE: role, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { role, base: `http://127.0.0.1:${port}`, child, output: () => out };
}

async function ready(p: Proc): Promise<void> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`${p.role} exited ${p.child.exitCode}:\n${p.output()}`);
    const ok = await fetch(`${p.base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${p.role} never became ready:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function api<T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

describe.runIf(hasPostgres() && hasRedis())(
  'two api and two worker processes on one database and one Redis',
  () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    });

    it('file 200 complaints, escalate each exactly once, tell the handler once each, lose nothing to a killed worker', async () => {
      const fake: FakeTelegram = await startFakeTelegram({
        token: '777300:many-processes',
        privacyMode: false,
      });
      cleanups.push(() => fake.close());
      const test = await openTestDb('postgres');
      const url = test.url as string;
      await test.close({ keep: true });
      cleanups.push(() => dropTestDatabase(url));
      const prefix = `linli-mp-${process.pid}-${Date.now()}`;
      cleanups.push(() => deleteRedisKeys(`${prefix}:*`));
      const dir = mkdtempSync(join(tmpdir(), 'linli-mp-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

      const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const env = {
        DATA_DIR: dir,
        ADMIN_TOKEN: ADMIN,
        DATABASE_URL: url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
        QUIET_HOURS: 'off',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        // Telegram has one webhook URL: the first api process's (a load balancer's, in production)
        PUBLIC_URL: `http://127.0.0.1:${ports[0]}`,
        TELEGRAM_GROUP_PER_MINUTE: '1000',
        TELEGRAM_PRIVATE_PER_SECOND: '100',
        TELEGRAM_GLOBAL_PER_SECOND: '1000',
      };
      const procs = [
        startProcess('api', ports[0] as number, env),
        startProcess('api', ports[1] as number, env),
        startProcess('worker', ports[2] as number, env),
        startProcess('worker', ports[3] as number, env),
      ];
      cleanups.push(async () => {
        for (const p of procs)
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
        await Promise.all(
          procs.map((p) =>
            p.child.exitCode !== null || p.child.signalCode !== null
              ? null
              : new Promise((r) => p.child.once('exit', r)),
          ),
        );
      });
      await Promise.all(procs.map(ready));
      const [apiA, apiB, doomed, survivor] = procs as [Proc, Proc, Proc, Proc];

      // the scene, over the second api process: 5 s to acknowledge at the compound, a handler at the community
      const compounds = await api<{ items: { id: number; name: string; parentId: number }[] }>(
        apiB.base,
        'GET',
        '/orgs?kind=compound',
      );
      expect(compounds.items.filter((c) => c.name === '阳光小区')).toHaveLength(1); // seeded once
      const sunshine = compounds.items.find((c) => c.name === '阳光小区')!;
      // for every compound of the community: 5 s to acknowledge
      await api(apiB.base, 'PUT', `/orgs/${sunshine.parentId}/escalation-policy`, {
        calendar: 'natural',
        levels: { compound: { '*': { ack: 'PT5S', resolve: 'PT1H' } } },
      });
      const handler = await api<{ id: number }>(apiB.base, 'POST', '/people', {
        name: '社区网格长',
        orgId: sunshine.parentId,
      });
      await api(apiB.base, 'POST', `/people/${handler.id}/identities`, {
        channel: 'telegram',
        externalId: String(HANDLER.id),
      });
      await api(apiB.base, 'POST', `/orgs/${sunshine.parentId}/roles`, {
        personId: handler.id,
        role: 'handler',
      });
      fake.startPrivateChat(HANDLER.id);

      const sender = new TelegramWebhookSender(fake, { retryMs: 300 });
      const groups: { id: number; title: string }[] = [];
      const compoundIds: number[] = [];
      // a compound per group (each complaint's progress is posted to its compound's residents'
      // groups, paced at Telegram's per-group rate: one compound with many groups would take minutes)
      for (let g = 0; g < GROUPS; g++) {
        const compound = await api<{ id: number }>(apiB.base, 'POST', '/orgs', {
          kind: 'compound',
          name: `测试${g + 1}小区`,
          parentId: sunshine.parentId,
        });
        const group = { id: -1003000000000 - g, title: `测试${g + 1}小区业主群` };
        const { code } = await api<{ code: string }>(apiB.base, 'POST', `/orgs/${compound.id}/bind-codes`, {
          purpose: 'residents',
        });
        await sender.deliver(
          fake.makeTextMessageUpdate({
            chatId: group.id,
            chatType: 'supergroup',
            chatTitle: group.title,
            from: { id: 9100 + g, first_name: '楼长' },
            text: `/bind ${code}`,
          }),
        );
        groups.push(group);
        compoundIds.push(compound.id);
      }

      // one worker dies mid-way, about half the conversations' messages in, whatever it was doing
      let killed: Promise<unknown> | undefined;
      const start = sender.acknowledged;
      sender.onAck = (n) => {
        if (n === start + GROUPS * PER_GROUP * 3 && !killed && !process.env.MP_NO_KILL) {
          killed = new Promise((res) => doomed.child.once('exit', res));
          doomed.child.kill('SIGKILL');
        }
      };
      const residents = groups.flatMap((group, g) =>
        Array.from({ length: PER_GROUP }, (_, i) => {
          const n = g * PER_GROUP + i + 1;
          return { group, user: { id: 72000 + n, first_name: `居民${n}` } as FakeUser, n };
        }),
      );
      const byOpen311 = Promise.all(
        Array.from({ length: OPEN311 }, async (_, i) => {
          const r = await fetch(`${apiB.base}/open311/v2/requests.json`, {
            method: 'POST',
            headers: { 'x-api-key': ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              service_code: 'lifts',
              description: `12345热线转来：第${i + 1}件，电梯停了`,
              address_id: String(compoundIds[i % compoundIds.length]),
            }).toString(),
          });
          expect(r.status, await r.clone().text()).toBeLessThan(300);
          return Number(((await r.json()) as { service_request_id: string }[])[0]?.service_request_id);
        }),
      );
      const inChat = await Promise.all(
        residents.map((r) =>
          fileComplaintInGroup({
            fake,
            sender,
            group: r.group,
            user: r.user,
            description: `第${r.n}号居民：电梯停了`,
            location: '跳过', // a public area (these compounds have no register)
            stepTimeoutMs: 120_000,
          }),
        ),
      ).catch(async (err) => {
        const diag = await openPostgres(url, 1);
        const { rows } = await diag.query(
          `SELECT id, chat_external_id, reply, attempts, not_before, claimed_until, last_error, created_at, now() AS now
           FROM linli.deliveries WHERE status = 'queued' ORDER BY id LIMIT 20`,
        );
        await diag.close();
        throw new Error(
          `${(err as Error).message}\nsent: ${JSON.stringify(
            fake
              .sentMessages()
              .slice(-8)
              .map((m) => [m.method, m.chat_id, m.text]),
          )}\nqueued deliveries:\n${rows.map((r) => JSON.stringify(r)).join('\n')}\nsurviving worker:\n${survivor.output()}\napi:\n${apiA.output()}`,
        );
      });
      await killed;
      expect(doomed.child.signalCode).toBe('SIGKILL');
      const filedIds = await byOpen311;

      // wait for the escalations and for every message to be settled
      const db = await openPostgres(url, 2);
      cleanups.push(() => db.close());
      const { rows: filed } = await db.query<{ number: string }>(
        'SELECT number FROM linli.complaints WHERE id = ANY($1::bigint[])',
        [filedIds],
      );
      const numbers = [...inChat, ...filed.map((f) => f.number)];
      expect(new Set(numbers).size).toBe(GROUPS * PER_GROUP + OPEN311);
      const settled = async () => {
        // owed: notices a change wrote with its COMMIT and the notifier has not yet staged (migration 030)
        const { rows } = await db.query<{ escalated: number; queued: number; owed: number }>(
          `SELECT (SELECT count(*)::int FROM linli.complaints WHERE level = 'community') AS escalated,
                (SELECT count(*)::int FROM linli.deliveries WHERE status = 'queued') AS queued,
                (SELECT count(*)::int FROM linli.complaint_notices_due) AS owed`,
        );
        return rows[0]!;
      };
      const deadline = Date.now() + 300_000;
      for (;;) {
        const s = await settled();
        if (process.env.MP_DEBUG) {
          const { rows } = await db.query(
            `SELECT chat_kind, status, subject IS NULL AS no_subject, count(*)::int AS n, min(not_before) AS first, max(not_before) AS last
           FROM linli.deliveries GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
          );
          console.log(JSON.stringify(s), JSON.stringify(rows));
        }
        if (s.escalated === numbers.length && s.queued === 0 && s.owed === 0) break;
        if (Date.now() > deadline)
          throw new Error(`not settled: ${JSON.stringify(s)}\nsurviving worker:\n${survivor.output()}`);
        await new Promise((r) => setTimeout(r, 500));
      }

      // every complaint escalated exactly once, to the community
      const { rows: complaints } = await db.query<{
        number: string;
        level: string;
        escalations: number;
        events: number;
      }>(
        `SELECT c.number, c.level, c.escalations,
         (SELECT count(*)::int FROM linli.complaint_events e WHERE e.complaint_id = c.id AND e.type = 'escalate') AS events
       FROM linli.complaints c ORDER BY c.id`,
      );
      expect(complaints).toHaveLength(numbers.length);
      for (const c of complaints)
        expect(c, c.number).toMatchObject({ level: 'community', escalations: 1, events: 1 });

      // the community's handler heard of each escalated complaint exactly once
      const handlerMessages = fake
        .sentMessages()
        .filter((m) => String(m.chat_id) === String(HANDLER.id) && m.method.startsWith('send'));
      const told = handlerMessages
        .filter((m) => (m.text ?? '').startsWith('【转办报事】'))
        .map((m) => /^【转办报事】(\d{8}-\d+)/.exec(m.text ?? '')?.[1]);
      // at least once (sender.ts SEND_LEASE_MS): the one message the killed worker may have had in
      // flight to the handler (1/s per chat) can reach them twice; a second copy of anything else
      // is a bug, checked against the attempts below
      expect([...new Set(told)].sort()).toEqual(numbers.slice().sort());
      expect(told.length - numbers.length).toBeLessThanOrEqual(1);

      // every message the Bot API took was a delivery's (once, or twice if the killed worker held it); nothing failed
      const { rows: byStatus } = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM linli.deliveries GROUP BY status',
      );
      const sent = byStatus.find((s) => s.status === 'sent')?.n ?? 0;
      expect(byStatus.filter((s) => s.status === 'failed')).toEqual([]);
      const { rows: handlerDeliveries } = await db.query<{ n: number; resent: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE attempts > 1)::int AS resent
           FROM linli.deliveries WHERE chat_external_id = $1 AND status = 'sent'`,
        [String(HANDLER.id)],
      );
      // each message once, but for one the killed worker had claimed (claimed twice: attempts > 1)
      const extra = handlerMessages.length - handlerDeliveries[0]!.n;
      expect(extra).toBeGreaterThanOrEqual(0);
      expect(extra).toBeLessThanOrEqual(Math.min(1, handlerDeliveries[0]!.resent));
      const texts = handlerMessages.map((m) => `${m.method}:${m.text ?? ''}`);
      expect(texts.length - new Set(texts).size).toBe(extra);
      expect(sent).toBeGreaterThan(inChat.length * 6);

      // the survivors are still ready
      for (const p of [apiA, apiB, survivor])
        expect((await fetch(`${p.base}/readyz`)).status, p.role).toBe(200);
    }, 600_000);
  },
);
