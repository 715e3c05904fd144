import { pino } from 'pino';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import { chatHandlers, type Services } from '../../src/app/modules.js';
import { FlowEngine } from '../../src/flows/flow-engine.js';
import { buildApp } from '../../src/http/app.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import { InboundDispatcher } from '../../src/kernel/chat/dispatcher.js';
import { handOn } from '../../src/kernel/chat/handler.js';
import type { InboundMessage } from '../../src/kernel/chat/port.js';
import { Outbox } from '../../src/kernel/outbox/outbox.js';
import { createQueueBackend, type QueueBackend } from '../../src/kernel/queue/backend.js';
import { ADMIN } from './app.js';
import { openTestDb } from './db.js';
import { seedCompoundChain } from './org-chain.js';
import { quietServices } from './services.js';

/** What the bot sent, as the deliveries table keeps it. */
export interface SentMessage {
  text: string;
  mention?: { externalId: string };
  choices?: { label: string; payload: string }[];
}

/**
 * A compound with a bound residents' group and the built-in flows, on PGlite, driven at the
 * dispatcher (every module's chat handlers, then the flow engine) as a channel adapter would: `say`
 * sends text, `press` a button's payload. What the bot says is read from linli.deliveries. `call`
 * reaches the admin API over the same services (the bootstrap admin token unless told otherwise).
 */
export async function startFlowChat(opts: { channel?: 'wechat' | 'telegram' } = {}) {
  const channel = opts.channel ?? 'wechat';
  const room = { externalId: channel === 'wechat' ? 'room-1@chatroom' : '-100123', kind: 'group' as const };
  const db = await openTestDb('pglite');
  const queues: QueueBackend = await createQueueBackend({ db });
  const outbox = new Outbox(db, queues, null);
  const s: Services = quietServices(db, { outbox, queues, adminToken: ADMIN });
  const compound = (await seedCompoundChain(s)).compound;
  await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
    channel,
    externalChatId: room.externalId,
    purpose: 'residents',
  });
  await seedBuiltinFlows(db, s.actions);
  const logger = pino({ level: 'silent' });
  const engine = new FlowEngine({ db, actions: s.actions, lookups: s.lookups, queues, outbox, logger });
  const dispatcher = new InboundDispatcher({
    db,
    chats: s.chats,
    speakers: s.speakers,
    outbox,
    logger,
    next: handOn(chatHandlers(s, db), async (ctx) => void (await engine.handle(ctx))),
  });
  const app = await buildApp({
    services: s,
    logger,
    readiness: [],
    bodyLimitBytes: 64 * 1024,
  });
  await app.ready();
  const call = async (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    body?: unknown,
    token = ADMIN,
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  ): Promise<{ status: number; body: any }> => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
  };
  let seq = 0;
  const externalId = (who: string) => `${channel}-${who}`;
  const send = (
    who: string,
    extra: Partial<InboundMessage>,
    chat: { externalId: string; kind: 'group' | 'private' } = room,
  ) =>
    dispatcher.handle({
      channel,
      updateId: `u${++seq}`,
      messageId: `m${seq}`,
      chat: { ...chat, title: '阳光业主群' },
      sender: { externalId: externalId(who), displayName: who, isBot: false },
      addressedToBot: true,
      media: [],
      receivedAt: new Date(),
      ...extra,
    });
  const sent = async () =>
    (await db.query<{ message: SentMessage }>('SELECT message FROM linli.deliveries ORDER BY id')).rows.map(
      (r) => r.message,
    );
  return {
    db,
    s,
    compound,
    room,
    externalId,
    say: (who: string, text: string) => send(who, { text }),
    /** a private message to the bot */
    sayPrivately: (who: string, text: string) =>
      send(who, { text }, { externalId: externalId(who), kind: 'private' }),
    press: (who: string, payload: string) => send(who, { choice: payload }),
    /** a button pressed (or on WeChat, a bare number answered) in the person's private chat with the bot */
    pressPrivately: (who: string, payload: string) =>
      send(who, { choice: payload }, { externalId: externalId(who), kind: 'private' }),
    sent,
    /** the bot's messages to one person in the group (mentioning them), in order */
    toPerson: async (who: string) => (await sent()).filter((m) => m.mention?.externalId === externalId(who)),
    last: async (who: string) =>
      (await sent()).filter((m) => m.mention?.externalId === externalId(who)).at(-1)!,
    call,
    close: async () => {
      await app.close();
      await queues.close();
      await db.close();
    },
  };
}
export type FlowChat = Awaited<ReturnType<typeof startFlowChat>>;
