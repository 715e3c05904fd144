// Shared set-up for the Telegram adapter tests: the fake Bot API, an adapter on it, and (webhook
// mode) a minimal Fastify app serving the adapter's webhook plugin on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import {
  TelegramAdapter,
  type TelegramAdapterOptions,
} from '../../../src/channels/telegram/telegram-adapter.js';
import { installErrorHandler } from '../../../src/http/error-handler.js';
import type { InboundHandler, InboundMessage } from '../../../src/kernel/chat/port.js';
import { type FakeTelegram, type NewUpdate, startFakeTelegram } from '../../fakes/telegram/index.js';

export const TOKEN = '777000:adapter-test-token';
export const SECRET = 'hook-secret_0123456789';
export const ANN = { id: 42, first_name: 'Ann', last_name: 'Lee', username: 'ann' };
export const BOB = { id: 43, first_name: 'Bob' };
export const GROUP = -1001234567890;

const cleanups: Array<() => Promise<unknown>> = [];

/** Runs registered clean-ups, newest first. Use in afterEach. */
export async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

/**
 * In-memory stand-in for the dispatcher's dedupe, in front of the test's handler: an update id
 * handled before is dropped; an id counts as handled only once the handler returned (a handler
 * that throws leaves it unmarked, so a redelivery is handled again).
 */
export function memoryDedupe(): {
  wrap: (h: InboundHandler) => InboundHandler;
  calls: string[];
} {
  const seen = new Set<string>();
  const calls: string[] = [];
  return {
    calls,
    wrap: (h) => async (m) => {
      calls.push(m.updateId);
      if (seen.has(m.updateId)) return;
      await h(m);
      seen.add(m.updateId);
    },
  };
}

export interface Harness {
  fake: FakeTelegram;
  adapter: TelegramAdapter;
  /** Every InboundMessage the handler received, in order. */
  received: InboundMessage[];
  dedupeCalls: string[];
  /** The recording handler behind the dedupe (calls the test's handler, if any, after recording). */
  handler: InboundHandler;
}

export interface WebhookHarness extends Harness {
  app: FastifyInstance;
  hookUrl: string;
  /** POSTs the update like Telegram (right secret unless told otherwise). */
  post(
    update: NewUpdate,
    secret?: string | null,
  ): Promise<{ status: number; body: string; updateId: number }>;
}

type Extra = Partial<Omit<TelegramAdapterOptions, 'logger'>> & { handler?: InboundHandler };

export async function startFake(): Promise<FakeTelegram> {
  // These tests are about the adapter, so the bot reads all of the group (an admin there) and Ann
  // and Bob have opened private chats with it. What Telegram withholds or refuses otherwise is
  // tested in test/fakes/telegram-fake.test.ts and by the journeys.
  const fake = await startFakeTelegram({ token: TOKEN });
  fake.setBotAdmin(GROUP);
  for (const u of [ANN, BOB]) fake.startPrivateChat(u.id);
  cleanups.push(() => fake.close());
  return fake;
}

/** An adapter on the fake (not started) plus the recording handler to start it with. */
export function makeAdapter(fake: FakeTelegram, extra: Extra = {}): Harness {
  const { handler: inner, ...options } = extra;
  const { wrap, calls } = memoryDedupe();
  const adapter = new TelegramAdapter({
    token: TOKEN,
    apiRoot: fake.url,
    botInfo: fake.botInfo,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  cleanups.push(() => adapter.stop());
  const received: InboundMessage[] = [];
  const handler: InboundHandler = wrap(async (m) => {
    received.push(m);
    await inner?.(m);
  });
  return { fake, adapter, received, dedupeCalls: calls, handler };
}

/** Webhook mode, started: the adapter's plugin on a Fastify app with the project's error handler. */
export async function startWebhook(
  extra: Extra = {},
  opts: { start?: boolean } = {},
): Promise<WebhookHarness> {
  const fake = await startFake();
  const h = makeAdapter(fake, { webhookSecret: SECRET, ...extra });
  const app = Fastify();
  installErrorHandler(app);
  await h.adapter.webhookPlugin(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => app.close());
  const hookUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/telegram/webhook`;
  if (opts.start ?? true) await h.adapter.start(h.handler);
  return {
    ...h,
    app,
    hookUrl,
    post: async (update, secret = SECRET) => {
      const d = await fake.postUpdateToWebhook(hookUrl, update, secret ?? undefined);
      return { status: d.status, body: d.body, updateId: d.update.update_id };
    },
  };
}

/** Long-polling mode, started. */
export async function startPolling(extra: Extra = {}): Promise<Harness> {
  const fake = await startFake();
  const h = makeAdapter(fake, extra);
  await h.adapter.start(h.handler);
  return h;
}

/** A gate a test opens by hand: `wait` resolves once `open()` was called. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('until: condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
