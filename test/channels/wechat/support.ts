/**
 * Shared setup for the WeChat adapter tests: a mock-backed Wechaty (test/fakes/wechat/harness.ts), a
 * WechatAdapter on it whose handler records every InboundMessage, a pino logger whose lines are kept,
 * and `cleanup()` that stops both (afterEach) so the test process exits.
 */
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { InMemoryChoiceMemory } from '../../../src/channels/wechat/choice-memory.js';
import { WechatAdapter, type WechatAdapterOptions } from '../../../src/channels/wechat/wechat-adapter.js';
import type { InboundHandler, InboundMessage } from '../../../src/kernel/chat/port.js';
import { type StartWechatMockOptions, startWechatMock, type WechatMock } from '../../fakes/wechat/harness.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export interface AdapterRig {
  h: WechatMock;
  adapter: WechatAdapter;
  choices: InMemoryChoiceMemory;
  received: InboundMessage[];
  logs: LogLine[];
}

const rigs: AdapterRig[] = [];

/**
 * Start the harness, then an adapter on it. `handler` runs after the message is recorded in
 * `received` (in handler-call order).
 */
export async function startRig(
  opts: StartWechatMockOptions & {
    handler?: InboundHandler;
    /** more adapter options (e.g. `friendRequests`) */
    adapter?: Partial<Omit<WechatAdapterOptions, 'wechaty' | 'logger' | 'choices'>>;
  } = {},
): Promise<AdapterRig> {
  const { handler, adapter: adapterOpts, ...mockOpts } = opts;
  const h = await startWechatMock({ botName: '邻里助手', ...mockOpts });
  const { logger, lines } = captureLogger();
  const choices = new InMemoryChoiceMemory();
  const adapter = new WechatAdapter({
    wechaty: h.wechaty,
    logger,
    choices,
    drainTimeoutMs: 2000,
    ...adapterOpts,
  });
  const received: InboundMessage[] = [];
  await adapter.start(async (m) => {
    received.push(m);
    await handler?.(m);
  });
  const rig = { h, adapter, choices, received, logs: lines };
  rigs.push(rig);
  return rig;
}

/** stop every rig started by this test (adapter first, then the harness's wechaty) */
export async function cleanup(): Promise<void> {
  for (const rig of rigs.splice(0)) {
    await rig.adapter.stop();
    await rig.h.stop();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
