import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { expect } from 'vitest';
import { type Config, loadConfig } from '../../src/app/config.js';
import { type Linli, startLinli } from '../../src/app/runtime.js';
import {
  type CallRecord,
  type FakeTelegram,
  type FakeUser,
  startFakeTelegram,
} from '../fakes/telegram/index.js';
import { freePort } from './net.js';

/** What the admin API answers: tests read arbitrary JSON, or name its type (`api<{ code: string }>`). */
// biome-ignore lint/suspicious/noExplicitAny: the one place e2e tests get untyped JSON from
type Json = any;

export interface TelegramLinliOptions {
  /** the fake bot's token (its updates and calls are keyed by it) */
  token?: string;
  /** false: polling mode (no PUBLIC_URL, no webhook secret); default webhook mode */
  webhook?: boolean;
  /** added to / overriding the defaults below (e.g. SEED_DEMO, TELEGRAM_WEBHOOK_SECRET) */
  env?: Record<string, string>;
}

export interface TelegramLinli {
  fake: FakeTelegram;
  /** the running instance (a new one after `restart()`) */
  readonly linli: Linli;
  config: Config;
  /** http://127.0.0.1:<port> */
  base: string;
  /** DATA_DIR: the embedded PGlite lives here, so a restart keeps everything */
  dir: string;
  /** `/api/v1<path>` with the admin token; JSON in, `{ status, body }` out */
  api<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** the same, the body only */
  json<T = Json>(method: string, path: string, body?: unknown): Promise<T>;
  /** stops Linli and starts it again on the same config (DATA_DIR, port, fake) */
  restart(): Promise<Linli>;
  /** stops Linli, closes the fake, removes DATA_DIR; safe to call twice or after a failed start */
  stop(): Promise<void>;
}

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

/**
 * Linli as a process would run it (`startLinli`, embedded PGlite in a temp DATA_DIR, demo seeded
 * unless `env` says otherwise) against a fresh fake Telegram Bot API, in webhook mode, with quiet
 * hours off and send rates high enough that pacing never holds a test up. Call `stop()` in afterEach.
 */
export async function startTelegramLinli(opts: TelegramLinliOptions = {}): Promise<TelegramLinli> {
  // As on Telegram: privacy mode on (group text reaches the bot only as a command, a reply to it or a
  // mention) and private sends refused to anyone who never started the bot. A test whose group talks
  // to the bot in plain text makes it an administrator of that group (`fake.setBotAdmin`), as the
  // reply to /bind asks the compound to.
  const fake = await startFakeTelegram({ token: opts.token ?? '777000:e2e-token' });
  const dir = mkdtempSync(join(tmpdir(), 'linli-e2e-'));
  let linli: Linli | null = null;
  const stop = async () => {
    const running = linli;
    linli = null;
    await running?.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      DATA_DIR: dir,
      PORT: String(port),
      ADMIN_TOKEN,
      QUIET_HOURS: 'off',
      LOG_LEVEL: 'silent',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.url,
      ...(opts.webhook === false ? {} : { TELEGRAM_WEBHOOK_SECRET: 'e2e-hook-secret', PUBLIC_URL: base }),
      TELEGRAM_GROUP_PER_MINUTE: '1000',
      TELEGRAM_PRIVATE_PER_SECOND: '100',
      TELEGRAM_GLOBAL_PER_SECOND: '1000',
      ...opts.env,
    });
    const logger = pino({ level: 'silent' });
    linli = await startLinli(config, logger);
    const api = async <T = Json>(method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: (await r.json()) as T };
    };
    return {
      fake,
      get linli() {
        if (!linli) throw new Error('Linli is not running');
        return linli;
      },
      config,
      base,
      dir,
      api,
      json: async <T = Json>(method: string, path: string, body?: unknown) =>
        (await api<T>(method, path, body)).body,
      async restart() {
        const running = linli;
        linli = null;
        await running?.stop();
        linli = await startLinli(config, logger);
        return linli;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export type Button = { text: string; callback_data: string };

/**
 * The bot's messages as a chat user sees them: `next` waits for the next sendMessage to `chatId`
 * containing `contains` that no earlier `next` returned (so each message is taken once, in order
 * of the waits); `press` presses the button labelled `label` of such a message as `from`.
 */
export function telegramChat(fake: FakeTelegram) {
  const taken = new Set<CallRecord>();
  const next = async (chatId: number, contains: string) => {
    const call = await fake
      .waitForCall('sendMessage', {
        timeoutMs: 15_000,
        predicate: (c) =>
          !taken.has(c) && Number(c.params.chat_id) === chatId && String(c.params.text).includes(contains),
      })
      .catch((err) => {
        const seen = fake.callsOf('sendMessage').map((c) => `${c.params.chat_id}: ${c.params.text}`);
        throw new Error(`no "${contains}" to ${chatId}; sent:\n${seen.join('\n')}`, { cause: err });
      });
    taken.add(call);
    return call;
  };
  const buttons = (c: CallRecord): Button[] =>
    ((c.params.reply_markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();
  const press = (chatId: number, from: FakeUser, call: CallRecord, label: string) => {
    const b = buttons(call).find((x) => x.text === label);
    expect(b, `button ${label}`).toBeDefined();
    const messageId = (call.response as { result: { message_id: number } }).result.message_id;
    return fake.deliverUpdateToWebhook(
      fake.makeCallbackQueryUpdate({ chatId, from, data: b!.callback_data, messageId }),
    );
  };
  return { next, buttons, press };
}
