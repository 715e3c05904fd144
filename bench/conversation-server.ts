// The bot under test of bench/conversation.ts (Linli, or the bare grammY reference) runs in a child
// process of its own, so its CPU is measured alone (process.cpuUsage) and the residents and the fake
// Bot API (in the parent) share no event loop with it. This is the IPC both children speak.
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the parent tells a child to start against. */
export interface ServerStart {
  /** the fake Bot API (TELEGRAM_API_ROOT) and the bot's token there */
  apiRoot: string;
  token: string;
  /** the webhook's secret token (X-Telegram-Bot-Api-Secret-Token) */
  secret: string;
  /** PostgreSQL database of this bot; unset: Linli's embedded PGlite (and queues on it) */
  databaseUrl?: string;
  /** Redis for Linli's queues (BullMQ); unset with PGlite */
  redisUrl?: string;
  dataDir: string;
  /** Telegram's limits the fake enforces: 'raised' (Linli's pacing raised to match) or 'default' */
  limits: 'raised' | 'default';
  /** Linli only: its admin API token */
  adminToken?: string;
  /**
   * The reference only: answer each update's webhook with its first sendMessage as the body
   * (grammY's `canUseWebhookReply`), one request less a step; the bot learns nothing of that message
   */
  webhookReply?: boolean;
}

export interface ServerReady {
  /** where Telegram POSTs updates */
  webhookUrl: string;
  /** Linli only: http://127.0.0.1:<port> for the admin API */
  base: string;
  /** what runs: "Linli on postgres, queues on redis", ... */
  description: string;
}

export interface ServerStats {
  /** CPU µs used by the process so far (user + system) */
  cpuUs: number;
  /** statements sent to the database so far (support.ts countStatements) */
  statements: number;
  /** event-loop delay since the last stats call, ms */
  lagP99: number;
  lagMax: number;
  /** statements by text so far (the first 90 characters, whitespace squeezed), when counted */
  byText?: [string, number][];
}

/** A background stream: `rate` notices/s to these group chats, round robin (null: stop it). */
export type Background = { groups: number[]; rate: number } | null;

export interface ServerImpl {
  start(o: ServerStart): Promise<ServerReady>;
  statements(): number;
  statementsByText?(): [string, number][];
  background(b: Background): void;
  stop(): Promise<void>;
}

type Request =
  | { id: number; start: ServerStart }
  | { id: number; stats: true }
  | { id: number; background: Background }
  | { id: number; exit: true };

/** In the child: answers the parent's requests until told to exit. */
export function serveOverIpc(impl: ServerImpl): void {
  if (!process.send) throw new Error('run me through bench/conversation.ts (I am its child process)');
  const loop = monitorEventLoopDelay({ resolution: 2 });
  loop.enable();
  const answer = (id: number, body: Record<string, unknown>) => process.send?.({ id, ...body });
  process.on('message', (m: Request) => {
    void (async () => {
      try {
        if ('start' in m) answer(m.id, { ready: await impl.start(m.start) });
        else if ('stats' in m) {
          const cpu = process.cpuUsage();
          const stats: ServerStats = {
            cpuUs: cpu.user + cpu.system,
            statements: impl.statements(),
            lagP99: Math.max(0, loop.percentile(99) / 1e6 - 2),
            lagMax: Math.max(0, loop.max / 1e6 - 2),
            ...(impl.statementsByText ? { byText: impl.statementsByText() } : {}),
          };
          loop.reset();
          answer(m.id, { stats });
        } else if ('background' in m) {
          impl.background(m.background);
          answer(m.id, { ok: true });
        } else if ('exit' in m) {
          await impl.stop().catch((err: unknown) => console.error('stop:', err));
          answer(m.id, { ok: true });
          process.exit(0);
        }
      } catch (err) {
        answer(m.id, { error: String((err as Error)?.stack ?? err) });
      }
    })();
  });
  process.send({ hello: true });
}

/** In the parent: the child's handle. */
export interface ServerHandle {
  pid: number;
  start(o: ServerStart): Promise<ServerReady>;
  stats(): Promise<ServerStats>;
  background(b: Background): Promise<void>;
  exit(): Promise<void>;
}

export async function forkServer(file: URL): Promise<ServerHandle> {
  // inherits this process's execArgv (tsx's loader, --cpu-prof when given)
  const child = fork(file, ['--bench-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const pending = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  const hello = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    child.on('message', (m: { id?: number; hello?: true; error?: string }) => {
      if (m.hello) return resolve();
      const p = m.id === undefined ? undefined : pending.get(m.id);
      if (!p) return;
      pending.delete(m.id!);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m as Record<string, unknown>);
    });
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`server child exited with ${code}`));
    pending.clear();
  });
  await hello;
  const call = (body: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      child.send({ id, ...body });
    });
  return {
    pid: child.pid!,
    start: async (o) => (await call({ start: o })).ready as ServerReady,
    stats: async () => (await call({ stats: true })).stats as ServerStats,
    background: async (b) => void (await call({ background: b })),
    exit: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await call({ exit: true }).catch(() => {});
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
