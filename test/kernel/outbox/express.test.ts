import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { ChatRef } from '../../../src/kernel/chat/port.js';
import { expressSender } from '../../../src/kernel/outbox/express.js';
import { deliveryJobId, type OutboundRequest, queueOf } from '../../../src/kernel/outbox/outbox.js';
import { DEFAULT_PACING, type PacingLimits } from '../../../src/kernel/outbox/pacing.js';
import { queueKinds } from '../../support/env.js';
import { FAST_PACING as FAST, useOutboundHarness } from '../../support/outbound-harness.js';

const silent = pino({ level: 'silent' });
const dm: ChatRef = { externalId: '5151', kind: 'private' };
const group: ChatRef = { externalId: '-100515', kind: 'group' };
const NOT_STARTED =
  "not_started: telegram sendMessage: 403 Forbidden: bot can't initiate conversation with a user";

/** Replies to someone waiting leave at once after COMMIT, from the committing process (express.ts). */
describe.each(queueKinds())('replies sent at once, queues on %s', (kind) => {
  const h = useOutboundHarness(kind, 'ex');
  const start = (limits?: PacingLimits) => h.start({ limits });
  const reply = (text: string, chat: ChatRef = dm): OutboundRequest => ({
    channel: 'telegram',
    message: { chat, text },
    idempotencyKey: `reply-${text}`,
    urgent: true,
    express: true,
  });
  const row = async (id: number) =>
    (
      await h.db.query<{ status: string; attempts: number; last_error: string | null }>(
        'SELECT status, attempts, last_error FROM linli.deliveries WHERE id = $1',
        [id],
      )
    ).rows[0]!;
  /** the statements this process sent to the database while `fn` ran */
  const statementsOf = async (fn: () => Promise<void>): Promise<string[]> => {
    const statements: string[] = [];
    const query = h.db.query.bind(h.db);
    const spy = vi.spyOn(h.db, 'query').mockImplementation(((sql: string, ...rest: unknown[]) => {
      statements.push(sql);
      return (query as (...a: unknown[]) => unknown)(sql, ...rest);
    }) as typeof h.db.query);
    try {
      await fn();
    } finally {
      spy.mockRestore();
    }
    return statements;
  };
  const hasJob = async (id: number) => (await h.queues.exists(queueOf('telegram'), [deliveryJobId(id)]))[0];

  it('goes out without a queue job, in the order written, once per key', async () => {
    await start();
    const ids: number[] = [];
    for (const t of ['1', '2', '3', '4', '5']) ids.push((await h.outbox.enqueue(reply(t))).deliveryId);
    await h.outbox.enqueue(reply('1')); // the same key again: nothing more
    await h.outbox.settled();
    expect(h.adapter.texts()).toEqual(['1', '2', '3', '4', '5']);
    for (const id of ids) {
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(await hasJob(id)).toBe(false);
    }
  });

  it('without a sender in this process (no outbound worker), the reply takes the queue', async () => {
    const { deliveryId } = await h.outbox.enqueue(reply('later'));
    await h.outbox.settled();
    expect(h.adapter.sent).toHaveLength(0);
    expect(await hasJob(deliveryId)).toBe(true);
    await start();
    await expect.poll(() => h.adapter.texts(), { timeout: 15_000 }).toEqual(['later']);
  });

  it("keeps the chat's window with the worker's notices to the same chat: never two in one window", async () => {
    await start({ ...FAST, telegram: { ...FAST.telegram, privatePerSecond: 1 } });
    for (const t of ['n1', 'n2'])
      await h.outbox.enqueue({ channel: 'telegram', message: { chat: dm, text: t }, idempotencyKey: t });
    await expect.poll(() => h.adapter.texts(), { timeout: 15_000 }).toEqual(['n1']);
    // n2 waits for the private chat's window (1/s); the reply may pass it (a notice never delays a
    // reply) but not the window, for which it races n2 when the second is over
    const { deliveryId } = await h.outbox.enqueue(reply('r'));
    await h.outbox.settled();
    await expect.poll(() => h.adapter.texts().sort(), { timeout: 15_000 }).toEqual(['n1', 'n2', 'r']);
    const [a, b, c] = h.adapter.sent.map((s) => s.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
    expect(c! - b!).toBeGreaterThanOrEqual(990);
    expect((await row(deliveryId)).status).toBe('sent');
  });

  it("waits in the process for its chat's window, a Telegram group's 1/s beside its 20/min included", async () => {
    await start({ ...FAST, telegram: { ...FAST.telegram, privatePerSecond: 1 } });
    for (const t of ['g1', 'g2', 'g3']) await h.outbox.enqueue(reply(t, group));
    await h.outbox.settled();
    // all three went out from the process (no job), a second apart
    expect(h.adapter.texts()).toEqual(['g1', 'g2', 'g3']);
    const [a, b, c] = h.adapter.sent.map((s) => s.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
    expect(c! - b!).toBeGreaterThanOrEqual(990);
  });

  it('a reply to a chat this process just wrote to waits for its window before claiming: one claim, no read of why', async () => {
    await start({ ...FAST, telegram: { ...FAST.telegram, privatePerSecond: 1 } });
    await h.outbox.enqueue(reply('first'));
    await h.outbox.settled();
    const statements = await statementsOf(async () => {
      await h.outbox.enqueue(reply('second'));
      await h.outbox.settled();
    });
    expect(h.adapter.texts()).toEqual(['first', 'second']);
    const [a, b] = h.adapter.sent.map((x) => x.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
    expect(statements.filter((q) => q.includes('claim_delivery'))).toHaveLength(1);
    expect(statements.filter((q) => q.includes('SELECT sent_at FROM linli.deliveries'))).toHaveLength(0);
  });

  it('a reply to a chat whose window was read full takes the queue without a claim while it stays full', async () => {
    await start({ ...FAST, telegram: { ...FAST.telegram, groupPerMinute: 2 } });
    for (const t of ['g1', 'g2']) await h.outbox.enqueue(reply(t, group));
    await h.outbox.settled();
    expect(h.adapter.texts()).toEqual(['g1', 'g2']);
    // the group's 2 a minute are used: the third is refused, its window read (full for ~60 s)
    const third = await statementsOf(async () => {
      await h.outbox.enqueue(reply('g3', group));
      await h.outbox.settled();
    });
    expect(third.filter((q) => q.includes('SELECT sent_at FROM linli.deliveries')).length).toBeGreaterThan(0);
    // the fourth: no claim and no read, straight to the queue, which holds both for the window
    const fourth = await statementsOf(async () => {
      const { deliveryId } = await h.outbox.enqueue(reply('g4', group));
      await h.outbox.settled();
      expect(await hasJob(deliveryId)).toBe(true);
    });
    expect(fourth.filter((q) => q.includes('claim_delivery'))).toHaveLength(0);
    expect(fourth.filter((q) => q.includes('SELECT sent_at FROM linli.deliveries'))).toHaveLength(0);
    expect(h.adapter.texts()).toEqual(['g1', 'g2']);
  });

  it('a reply right after a notice the worker sent to the same chat also waits for the window before its claim', async () => {
    await start({ ...FAST, telegram: { ...FAST.telegram, privatePerSecond: 1 } });
    const notice = await h.outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'notice' },
      idempotencyKey: 'worker-notice',
    });
    await expect.poll(async () => (await row(notice.deliveryId)).status, { timeout: 15_000 }).toBe('sent');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker notes the send after its mark
    const statements = await statementsOf(async () => {
      await h.outbox.enqueue(reply('after the notice'));
      await h.outbox.settled();
    });
    expect(h.adapter.texts()).toEqual(['notice', 'after the notice']);
    const [a, b] = h.adapter.sent.map((x) => x.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
    expect(statements.filter((q) => q.includes('claim_delivery'))).toHaveLength(1);
  });

  it('is not held behind notices queued earlier to the same group, which keep their queue', async () => {
    // a sender for replies, and no worker yet: the group's notices wait in the queue
    h.outbox.sendRepliesVia(
      'telegram',
      expressSender({
        db: h.db,
        outbox: h.outbox,
        adapter: h.adapter,
        limits: FAST,
        window: null,
        leaseMs: 30_000,
        logger: silent,
      }),
    );
    for (const t of ['notice 1', 'notice 2'])
      await h.outbox.enqueue({ channel: 'telegram', message: { chat: group, text: t }, idempotencyKey: t });
    await h.outbox.enqueue(reply('answer', group));
    await h.outbox.settled();
    expect(h.adapter.texts()).toEqual(['answer']);
    await start();
    await expect
      .poll(() => h.adapter.texts(), { timeout: 15_000 })
      .toEqual(['answer', 'notice 1', 'notice 2']);
  });

  it('a 429 on the reply pauses the channel; the queue sends it when the pause ends', async () => {
    await start();
    h.adapter.failNext('rate_limited', 1200);
    const { deliveryId } = await h.outbox.enqueue(reply('after the pause'));
    await h.outbox.settled();
    expect(h.adapter.attempts.map((a) => a.outcome)).toEqual(['rate_limited']);
    await expect.poll(() => h.adapter.texts(), { timeout: 15_000 }).toEqual(['after the pause']);
    const limited = h.adapter.attempts[0]!.at;
    expect(h.adapter.sent[0]!.at - limited).toBeGreaterThanOrEqual(1200);
    expect(await row(deliveryId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('a network failure hands the reply to the queue, which retries it', async () => {
    await start();
    h.adapter.failNext('transient');
    const { deliveryId } = await h.outbox.enqueue(reply('again'));
    await h.outbox.settled();
    await expect.poll(() => h.adapter.texts(), { timeout: 15_000 }).toEqual(['again']);
    expect(await row(deliveryId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a private reply the platform refuses goes to its group fallback at once', async () => {
    await start();
    h.adapter.refuse(dm.externalId, NOT_STARTED);
    const { deliveryId } = await h.outbox.enqueue({
      ...reply('privately'),
      fallback: {
        chat: group,
        text: 'in the group',
        mention: { externalId: dm.externalId, displayName: 'Ann' },
      },
    });
    await h.outbox.settled();
    await expect.poll(() => h.adapter.texts(), { timeout: 15_000 }).toEqual(['in the group']);
    expect((await row(deliveryId)).status).toBe('rerouted');
  });

  it("shares Telegram's whole-bot limit with the worker's notices, and is not queued behind them", async () => {
    await start({
      ...DEFAULT_PACING,
      telegram: { globalPerSecond: 10, groupPerMinute: 1000, privatePerSecond: 1000 },
    });
    // a backlog of notices to 80 other chats: eight seconds of the limit (enqueueing them on a busy
    // machine may take a few of those seconds: the worker starts on the first ones meanwhile)
    for (let i = 0; i < 80; i++)
      await h.outbox.enqueue({
        channel: 'telegram',
        message: { chat: { externalId: String(9000 + i), kind: 'private' }, text: `notice ${i}` },
        idempotencyKey: `notice-${i}`,
      });
    await expect.poll(() => h.adapter.sent.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    const asked = Date.now();
    await h.outbox.enqueue(reply('you asked'));
    await expect.poll(() => h.adapter.texts().includes('you asked'), { timeout: 15_000 }).toBe(true);
    const answered = h.adapter.sent.find((s) => s.message.text === 'you asked')!.at;
    const noticesBy = (t: number) =>
      h.adapter.sent.filter((s) => s.at <= t && s.message.text.startsWith('notice')).length;
    const waitingWhenAsked = 80 - noticesBy(asked);
    const leftWhenAnswered = 80 - noticesBy(answered);
    // answered within a second, its turn in the limit's window taken ahead of the backlog: at most
    // one second's worth of notices (10) went out in between, and most of the backlog still waits
    expect(answered - asked).toBeLessThan(1000);
    expect(waitingWhenAsked - leftWhenAnswered).toBeLessThanOrEqual(10);
    expect(leftWhenAnswered).toBeGreaterThan(0);
    await expect.poll(() => h.adapter.sent.length, { timeout: 40_000 }).toBe(81);
    // never more than the limit in any second
    const at = h.adapter.sent.map((s) => s.at).sort((a, b) => a - b);
    for (let i = 10; i < at.length; i++) expect(at[i]! - at[i - 10]!).toBeGreaterThanOrEqual(1000);
  });
});
