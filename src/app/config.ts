import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { telegramFileFetcher } from '../channels/telegram/files.js';
import { findCjkFont, type PngRenderer, pngRenderer } from '../kernel/media/png-renderer.js';
import type { MediaFetchers } from '../kernel/media/resolve.js';
import type { PacingLimits } from '../kernel/outbox/pacing.js';
import { CHINA_TIME_ZONE, isTimeZone } from '../kernel/time/zone.js';
import { type WechatConfig, wechatConfig, wechatEnv } from './config-wechat.js';
import { type WechatOaConfig, wechatOaConfig, wechatOaEnv } from './config-wechat-oa.js';

/**
 * The environment, parsed once at start. Every variable is listed in the README's
 * configuration table with its default; keep the two in step.
 *
 * Contract: `loadConfig(env)` returns a frozen Config or throws ConfigError whose
 * message names every bad variable, what is wrong with its value and how to fix it.
 */

const ROLES = ['all', 'api', 'worker', 'wechat'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const url = (protocols: string[], example: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(
        (v) => {
          try {
            return protocols.includes(new URL(v).protocol);
          } catch {
            return false;
          }
        },
        { message: `must be a URL starting with ${protocols.join(' or ')} (e.g. ${example})` },
      )
      .optional(),
  );
const int = (def: number, min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(min, { message: `must be at least ${min}` })
      .max(max, { message: `must be at most ${max}` })
      .default(def),
  );
const timeZone = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .refine(isTimeZone, { message: 'must be an IANA time zone such as Asia/Shanghai' })
    .default(CHINA_TIME_ZONE),
);
const bool = (def: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

/**
 * TRUST_PROXY: the proxies in front whose X-Forwarded-For names the client. A hop count (1–10),
 * or a comma-separated list of IPv4/IPv6 addresses, CIDRs (`10.0.0.0/8`) and proxy-addr's named
 * ranges (`loopback`, `linklocal`, `uniquelocal`). Unset: no proxy is trusted. `true`/`*` are
 * refused: trusting every sender lets any client choose its own address.
 */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyEntry = (entry: string): boolean => {
  if (NAMED_RANGES.has(entry)) return true;
  const [addr = '', prefix, ...rest] = entry.split('/');
  const family = isIP(addr);
  if (!family || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits >= 0 && bits <= (family === 4 ? 32 : 128);
};
const trustProxy = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      if (/^\d+$/.test(v.trim())) {
        const hops = Number(v);
        if (hops < 1 || hops > 10) ctx.addIssue({ code: 'custom', message: 'a hop count must be 1–10' });
        return;
      }
      const bad = v
        .split(',')
        .map((e) => e.trim())
        .filter((e) => !isProxyEntry(e));
      if (bad.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `must be a hop count (1–10) or a comma-separated list of proxy addresses or CIDRs (e.g. 10.0.0.1,172.16.0.0/12); not ${bad
            .map((b) => JSON.stringify(b))
            .join(', ')}`,
        });
    })
    .transform((v): false | number | string[] =>
      v === undefined ? false : /^\d+$/.test(v.trim()) ? Number(v) : v.split(',').map((e) => e.trim()),
    ),
);

export const envSchema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://user:pass@127.0.0.1:5432/linli'),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  // BullMQ's key prefix on Redis: two deployments sharing one Redis each take their own
  REDIS_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, { message: 'must be 1–40 letters, digits, - or _ (no ":")' })
      .default('linli'),
  ),
  ADMIN_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(24, { message: 'must be at least 24 characters (try: openssl rand -hex 24)' }).optional(),
  ),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('info')),
  /** `auto`: readable lines when stdout is a terminal, JSON lines otherwise (a container, a file) */
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['auto', 'json', 'pretty']).default('auto')),
  TZ: timeZone,
  LINLI_ROLE: z.preprocess(emptyToUndefined, z.enum(ROLES).default('all')),
  SEED_DEMO: bool(true),
  BODY_LIMIT_BYTES: int(1_048_576, 1024, 50 * 1_048_576),
  TRUST_PROXY: trustProxy,
  PUBLIC_URL: url(['http:', 'https:'], 'https://linli.example.org'),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, {
        message: 'must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram rejects others)',
      })
      .optional(),
  ),
  TELEGRAM_API_ROOT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .url({ message: 'must be a URL such as https://api.telegram.org' })
      .default('https://api.telegram.org'),
  ),
  QUIET_HOURS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, {
        message: 'must be HH:MM-HH:MM (e.g. 22:00-07:00) or off',
      })
      .default('22:00-07:00'),
  ),
  TELEGRAM_GLOBAL_PER_SECOND: int(30, 1, 1000),
  TELEGRAM_GROUP_PER_MINUTE: int(20, 1, 1000),
  TELEGRAM_PRIVATE_PER_SECOND: int(1, 1, 100),
  WECHAT_CHAT_INTERVAL_MS: int(3000, 0, 3_600_000),
  WECHAT_DAILY_CAP: int(500, 1, 1_000_000),
  /** WeCom group robots: where their webhook lives (a fake in tests), and their rate (20/min per robot) */
  WECOM_ROBOT_API_ROOT: z.string().url().default('https://qyapi.weixin.qq.com'),
  WECOM_ROBOT_PER_MINUTE: int(20, 1, 20),
  /** the CJK font charts are drawn with (a .ttf/.otf/.ttc file); unset: the first Debian CJK font installed */
  LINLI_CHART_FONT: optionalString,
  /** bearer token `/metrics` asks for; unset: open (keep it off the public network then) */
  METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(16, { message: 'must be at least 16 characters (try: openssl rand -hex 16)' }).optional(),
  ),
  ...wechatEnv,
  ...wechatOaEnv,
});

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  adminToken: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: 'auto' | 'json' | 'pretty';
  tz: string;
  role: (typeof ROLES)[number];
  seedDemo: boolean;
  bodyLimitBytes: number;
  /** false: no proxy trusted; a hop count; or proxy addresses/CIDRs/named ranges. */
  trustProxy: false | number | readonly string[];
  publicUrl: string | undefined;
  telegram: { botToken: string | undefined; webhookSecret: string | undefined; apiRoot: string };
  wechaty: WechatConfig;
  quietHours: string;
  pacing: PacingLimits;
  wecomRobot: { apiRoot: string };
  /** the WeChat Official Account (服务号), when configured */
  wechatOa: WechatOaConfig | undefined;
  /** the chart font's file as configured (unset: found among the installed ones) */
  chartFont: string | undefined;
  metricsToken: string | undefined;
}>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; value: unknown; problem: string }[]) {
    super(
      `Invalid configuration:\n${problems
        .map(
          (p) =>
            `  ${p.variable}=${p.value === undefined ? '(unset)' : JSON.stringify(p.value)}: ${p.problem}. ` +
            `Fix: set ${p.variable} to a valid value or unset it to use the default (see README, Configuration).`,
        )
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '?');
        const secret = /TOKEN|SECRET|PASSWORD|AES_KEY/.test(variable);
        return { variable, value: secret && env[variable] ? '***' : env[variable], problem: issue.message };
      }),
    );
  }
  const e = parsed.data;
  const wechat = wechatConfig(e, env);
  if (wechat.problems.length) throw new ConfigError(wechat.problems);
  const wechatOa = wechatOaConfig(e);
  if (wechatOa.problems.length) throw new ConfigError(wechatOa.problems);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    tz: e.TZ,
    role: e.LINLI_ROLE,
    seedDemo: e.SEED_DEMO,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL,
    telegram: {
      botToken: e.TELEGRAM_BOT_TOKEN,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      apiRoot: e.TELEGRAM_API_ROOT,
    },
    wechaty: wechat.config,
    quietHours: e.QUIET_HOURS,
    pacing: {
      telegram: {
        globalPerSecond: e.TELEGRAM_GLOBAL_PER_SECOND,
        groupPerMinute: e.TELEGRAM_GROUP_PER_MINUTE,
        privatePerSecond: e.TELEGRAM_PRIVATE_PER_SECOND,
      },
      wechat: { chatIntervalMs: e.WECHAT_CHAT_INTERVAL_MS, dailyCap: e.WECHAT_DAILY_CAP },
      wecomRobot: { perMinute: e.WECOM_ROBOT_PER_MINUTE },
    },
    wecomRobot: { apiRoot: e.WECOM_ROBOT_API_ROOT },
    wechatOa: wechatOa.config,
    chartFont: e.LINLI_CHART_FONT,
    metricsToken: e.METRICS_TOKEN,
  });
}

/**
 * Who can read a kept photo's bytes from the platform it came from: Telegram through the bot's
 * token (getFile), when one is configured. WeChat photos are kept with their bytes on arrival.
 */
export function mediaFetchersOf(config: Config): MediaFetchers {
  return config.telegram.botToken
    ? { telegram: telegramFileFetcher(config.telegram.botToken, config.telegram.apiRoot) }
    : {};
}

/**
 * What draws the digest's chart: the configured font, else the first CJK font installed; null (and
 * a warning: the digests go as text alone) when there is none. A configured font that is missing
 * is an error: the operator asked for it.
 */
export function chartRendererOf(config: Config, logger?: Logger): PngRenderer | null {
  const font = findCjkFont(config.chartFont);
  if (config.chartFont && !font)
    throw new ConfigError([
      { variable: 'LINLI_CHART_FONT', value: config.chartFont, problem: 'no such file' },
    ]);
  if (!font)
    logger?.warn(
      'no CJK font installed (apt-get install fonts-wqy-microhei, or set LINLI_CHART_FONT): digests go without their chart',
    );
  return pngRenderer(font);
}
