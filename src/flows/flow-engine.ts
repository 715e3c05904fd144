import type { Logger } from 'pino';
import { isUniqueViolation } from '../kernel/access/errors.js';
import type { InboundContext } from '../kernel/chat/dispatcher.js';
import type { InboundMessage, MediaRef } from '../kernel/chat/port.js';
import { DuplicateUpdate } from '../kernel/chat/update-marks.js';
import { Batcher } from '../kernel/db/batcher.js';
import type { Db, Queryable } from '../kernel/db/db.js';
import { keepMedia, mediaIdOf } from '../kernel/media/media-store.js';
import type { Outbox } from '../kernel/outbox/outbox.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import type { ActionRegistry } from './actions.js';
import {
  finishConversation,
  insertConversation,
  lockActiveConversation,
  readPrecheck,
} from './conversation-repository.js';
import { ConversationTimeouts } from './conversation-timeouts.js';
import { engineTexts } from './engine-texts.js';
import { effectiveFlows, flowById, orgPath, type StoredFlow } from './flow-repository.js';
import type { FlowDefinition, Locale } from './flow-schema.js';
import { answer, type ConversationLookups, enter, type Reply, type RunState } from './machine.js';
import { triggerHit } from './triggers.js';
import { type ConversationRow, TurnPrefetch } from './turn-context.js';
import { NEEDS_TRANSACTION, readEnv, transactionEnv } from './turn-env.js';
import {
  ConversationIds,
  type TurnWrite,
  writeBegunTurn,
  writeLockedTurn,
  writeTurns,
} from './turn-writes.js';

/**
 * Runs published flows for people in chats.
 *
 * Contract:
 * - one active conversation per (channel, chat, person), its state in `linli.conversations`, so a
 *   restart loses nothing and ten residents of one group never cross answers;
 * - each turn runs in one transaction with the conversation row locked, together with the rows its
 *   actions write; replies and the timeout job are queued after COMMIT;
 * - a conversation stays on the flow version it started with;
 * - `/cancel`, 取消 or cancel ends it at any step; inactivity (the flow's `timeoutMinutes`) ends it
 *   through a delayed job `flow-timeout-<id>-<seq>` added when it starts: when it fires and the
 *   conversation has moved on, it sets itself again for the row's expiry (so a turn costs no job);
 *   a sweep ends any whose job was lost (conversation-timeouts.ts).
 */
const CANCEL = /^(\/cancel|取消|cancel)$/i;
/** A prompt's option payload carries its conversation and step: `opt:<id>.<seq>:<value>`. */
const BOUND_OPTION = /^opt:(\d+)\.(\d+):(.+)$/;

export { triggerHit } from './triggers.js';

export interface FlowEngineDeps {
  db: Db;
  actions: ActionRegistry;
  queues: QueueBackend;
  outbox: Outbox;
  logger: Logger;
  /** option lists and the address register, from the modules that own them */
  lookups: ConversationLookups;
  now?: () => Date;
}

type Turn = {
  replies: Reply[];
  /** the conversation's new state, written with the update's mark and the replies (`writeLockedTurn`) */
  save?: { id: number; seq: number; state: RunState; expiresAt: Date };
  /** queue the replies written in the turn's transaction (after COMMIT) */
  sends?: (() => Promise<void>)[];
  timeout?: { id: number; seq: number; at: Date };
  after: (() => Promise<void>)[];
};

export class FlowEngine {
  private readonly now: () => Date;
  private readonly timeouts: ConversationTimeouts;
  /** ids of conversations begun without a transaction (`fastBegin`), taken ahead */
  private readonly conversationIds: ConversationIds;
  constructor(private readonly deps: FlowEngineDeps) {
    this.now = deps.now ?? (() => new Date());
    this.conversationIds = new ConversationIds(deps.db);
    this.timeouts = new ConversationTimeouts({
      db: deps.db,
      queues: deps.queues,
      outbox: deps.outbox,
      now: this.now,
    });
  }

  /** Handles a message after the dispatcher: returns true when a flow took it. */
  async handle(ctx: InboundContext): Promise<boolean> {
    const m = ctx.message;
    const text = m.text?.trim() ?? '';
    const cancelling = CANCEL.test(text) || m.command?.name === 'cancel';
    if (!ctx.person) {
      if (!cancelling && (await this.precheck(ctx, null)).concerns) {
        const t = engineTexts('zh-CN');
        await ctx.reply(m.channel === 'wechat_oa' ? t.needPersonOa : t.needPerson, {
          key: 'flow-need-person',
        });
        return true;
      }
      return false;
    }
    const person = ctx.person;
    const locale: Locale = person.locale === 'en' ? 'en' : 'zh-CN';
    const bound = m.choice ? BOUND_OPTION.exec(m.choice) : null;
    let inForce: StoredFlow[] | undefined;
    if (!cancelling) {
      // Most group chatter is neither a flow answer nor a trigger: one read decides that, without
      // a transaction, a row lock or loading the flows (they are cached per org and flow generation).
      const pre = await this.precheck(ctx, person.id);
      if (!bound && !pre.concerns) return false;
      inForce = pre.flows;
      // a photo sent into a conversation is kept first, so its answer is `media:<id>` whatever the channel
      if (pre.active && m.media.some((x) => x.kind === 'photo')) await this.keepPhotos(m);
      // Most answers need no action: computed from the row as read, written if it is unchanged.
      if (pre.active && (await this.fastTurn(ctx, pre.active, bound))) return true;
      // A trigger whose first turn writes nothing but the conversation begins it in one statement.
      if (!pre.active && !bound && inForce) {
        const begun = await this.fastBegin(ctx, person.id, locale, inForce);
        if (begun !== 'slow') return begun === 'begun';
      }
    }
    let turn: Turn | null;
    try {
      turn = await this.deps.db.transaction(async (tx) => {
        const t = await this.turn(tx, ctx, person.id, locale, cancelling, inForce);
        if (t?.save) {
          // the state, the update's mark and the replies in one statement (a concurrent delivery of
          // the same update marked it first: rolled back); a crash after COMMIT still sends them
          const drafts = t.replies.map((r, i) => ctx.draft(r.text, replyOptions(r, i)));
          const written = await writeLockedTurn(tx, {
            conversationId: t.save.id,
            seq: t.save.seq,
            state: t.save.state,
            expiresAt: t.save.expiresAt,
            update: { channel: m.channel, updateId: m.updateId },
            replies: drafts.map((d) => this.deps.outbox.delivery(d)),
          });
          if (!written.marked) throw new DuplicateUpdate(m.channel, m.updateId);
          ctx.marked();
          const express = drafts.some((d) => d.express) ? m.chat : undefined;
          t.sends = written.deliveries.map(
            (d) => () => this.deps.outbox.schedule(m.channel, { ...d, ...(express ? { express } : {}) }),
          );
          return t;
        }
        // the update is marked handled with the turn's effects (a concurrent delivery: rolled back)
        if (t) await ctx.markIn(tx);
        // the replies are written with the turn: a crash after COMMIT still sends them (outbox reconciler)
        if (t) {
          t.sends = [];
          for (const [i, r] of t.replies.entries())
            t.sends.push(await ctx.replyIn(tx, r.text, replyOptions(r, i)));
        }
        return t;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return true; // the same person's other message started it a moment ago
      throw err;
    }
    if (!turn) return false;
    await this.deliver(turn);
    return true;
  }

  /**
   * An answer in an active conversation, without a transaction: the machine runs on the row as
   * read (lookups read the database directly), then the new state and the replies are written in
   * one statement, batched with other conversations' turns, if the row still has the `seq` it was
   * read with (compare and set). False, with nothing written, when the turn needs the slow path:
   * it runs an action (actions write in the turn's transaction), the conversation expired, moved
   * on or ended meanwhile, or the button is not this step's; the slow path then decides under the
   * row lock.
   */
  private async fastTurn(
    ctx: InboundContext,
    active: ConversationRow,
    bound: RegExpExecArray | null,
  ): Promise<boolean> {
    const m = ctx.message;
    const now = this.now();
    if (active.expires_at <= now) return false;
    if (bound && (Number(bound[1]) !== active.id || Number(bound[2]) !== active.seq)) return false;
    const flow = await this.publishedFlow(this.deps.db, active.flow_id);
    const choice = bound ? `opt:${bound[3]}` : m.choice;
    let result: Awaited<ReturnType<typeof answer>>;
    try {
      result = await answer(
        flow,
        stateOf(active),
        { text: m.text, choice, media: m.media },
        readEnv(this.deps, active, stampOf(ctx, active)),
      );
    } catch (err) {
      if (err === NEEDS_TRANSACTION) return false;
      throw err;
    }
    const next = this.outcome(active, flow, result.state, result.replies, now);
    const written = await this.turnWrites.load({
      update: { channel: m.channel, updateId: m.updateId },
      conversationId: active.id,
      seq: active.seq,
      state: result.state,
      expiresAt: next.expiresAt,
      now,
      replies: next.replies.map((r, i) => this.deps.outbox.delivery(ctx.draft(r.text, replyOptions(r, i)))),
    });
    if (!written.applied) return false;
    ctx.marked(); // in the same statement as the turn
    // the turn's replies: the person is waiting for them (sent at once after COMMIT, in order)
    for (const d of written.deliveries)
      await this.deps.outbox.schedule(m.channel, { id: d.id, notBefore: d.notBefore, express: m.chat });
    return true;
  }

  /**
   * A trigger with no active conversation of the writer here, without a transaction: the first
   * turn is computed on the conversation as it will be (its id taken ahead, so its buttons are
   * bound to it; read-only actions run, any other makes it 'slow'), then the conversation, in its
   * state after the turn, the update's mark and the replies are written in one statement
   * (`writeBegunTurn`) instead of BEGIN, insert, write and COMMIT. 'none': no trigger hit.
   * A concurrent begin of theirs in this chat is a unique violation, as on the slow path: that
   * message started it, this one is dropped.
   */
  private async fastBegin(
    ctx: InboundContext,
    personId: number,
    locale: Locale,
    inForce: StoredFlow[],
  ): Promise<'begun' | 'none' | 'slow'> {
    const m = ctx.message;
    const found = await this.matchTrigger(ctx, null, inForce);
    if (!found) return 'none';
    const def = found.flow.definition;
    const now = this.now();
    const row: ConversationRow = {
      id: await this.conversationIds.next(),
      channel: m.channel,
      chat_external_id: m.chat.externalId,
      chat_kind: m.chat.kind,
      person_id: personId,
      person_external_id: m.sender.externalId,
      person_display_name: m.sender.displayName,
      flow_id: found.flow.id,
      org_id: ctx.chat?.orgId ?? ctx.person?.orgId ?? null,
      chat_id: ctx.chat?.id ?? null,
      locale,
      step: def.start,
      answers: found.arg === undefined ? {} : { arg: found.arg },
      attempts: 0,
      seq: 0,
      status: 'active',
      expires_at: new Date(now.getTime() + def.timeoutMinutes * 60_000),
    };
    let result: Awaited<ReturnType<typeof enter>>;
    try {
      result = await enter(def, stateOf(row), readEnv(this.deps, row, stampOf(ctx, row)));
    } catch (err) {
      if (err === NEEDS_TRANSACTION) return 'slow';
      throw err;
    }
    const next = this.outcome(row, def, result.state, result.replies, now);
    const drafts = next.replies.map((r, i) => ctx.draft(r.text, replyOptions(r, i)));
    let written: Awaited<ReturnType<typeof writeBegunTurn>>;
    try {
      written = await writeBegunTurn(this.deps.db, {
        id: row.id,
        m: {
          channel: m.channel,
          chatExternalId: m.chat.externalId,
          chatKind: m.chat.kind,
          updateId: m.updateId,
        },
        person: { id: personId, externalId: m.sender.externalId, displayName: m.sender.displayName },
        flowId: row.flow_id,
        orgId: row.org_id,
        chatId: row.chat_id,
        locale,
        state: result.state,
        expiresAt: next.expiresAt,
        // the same conversation begun in a group and taken to the private chat: the group's one ends
        ...(m.chat.kind === 'private' ? { cancelElsewhere: found.flow.key } : {}),
        replies: drafts.map((d) => this.deps.outbox.delivery(d)),
      });
    } catch (err) {
      if (isUniqueViolation(err)) return 'begun'; // the same person's other message started it a moment ago
      throw err;
    }
    if (!written.begun) throw new DuplicateUpdate(m.channel, m.updateId);
    ctx.marked(); // in the same statement as the conversation
    const express = drafts.some((d) => d.express) ? m.chat : undefined;
    await this.deliver({
      replies: next.replies,
      sends: written.deliveries.map(
        (d) => () => this.deps.outbox.schedule(m.channel, { ...d, ...(express ? { express } : {}) }),
      ),
      after: [],
      timeout:
        result.state.status === 'active' ? { id: row.id, seq: next.seq, at: next.expiresAt } : undefined,
    });
    return 'begun';
  }

  /**
   * Replaces the message's photos by their kept references (`media:<id>`, src/kernel/media), the
   * bytes a WeChat photo came with stored beside them. Outside the turn's transaction: a turn that
   * then fails leaves a row nothing names, which is harmless.
   */
  private async keepPhotos(m: InboundMessage): Promise<void> {
    const kept: MediaRef[] = [];
    for (const x of m.media)
      kept.push(
        x.kind === 'photo' && mediaIdOf(x.ref) === null
          ? { kind: 'photo', ref: await keepMedia(this.deps.db, m.channel, x) }
          : x,
      );
    m.media = kept;
  }

  private readonly turnWrites = new Batcher((turns: TurnWrite[]) => writeTurns(this.deps.db, turns));

  /** One turn inside the transaction: cancel, a stale button, an answer, or a trigger's start. */
  private async turn(
    tx: Queryable,
    ctx: InboundContext,
    personId: number,
    locale: Locale,
    cancelling: boolean,
    inForce: StoredFlow[] | undefined,
  ): Promise<Turn | null> {
    const m = ctx.message;
    const after: (() => Promise<void>)[] = [];
    // `inForce` comes with a precheck that found no active conversation here: a trigger then begins
    // one without reading for a row to lock (one that began since, from another message of theirs,
    // makes the insert a unique violation: that message started it, this one is dropped as before)
    const active = inForce ? null : await this.lockActive(tx, m, personId);
    if (cancelling) {
      if (!active)
        return m.command ? { replies: [{ text: engineTexts(locale).nothingToCancel }], after } : null;
      await finishConversation(tx, active.id, 'cancelled');
      return { replies: [{ text: engineTexts(active.locale).cancelled }], after };
    }
    const bound = m.choice ? BOUND_OPTION.exec(m.choice) : null;
    if (bound && (!active || Number(bound[1]) !== active.id || Number(bound[2]) !== active.seq)) {
      // a button of another person's prompt, or an old one of one's own: it answers nothing
      return { replies: [{ text: engineTexts(active?.locale ?? locale).staleButton }], after };
    }
    if (active) {
      const flow = await this.publishedFlow(tx, active.flow_id);
      const env = await transactionEnv(this.deps, tx, active, stampOf(ctx, active), after);
      const choice = bound ? `opt:${bound[3]}` : m.choice;
      const result = await answer(flow, stateOf(active), { text: m.text, choice, media: m.media }, env);
      return this.persist(active, flow, result.state, result.replies, after);
    }
    const found = await this.matchTrigger(ctx, tx, inForce);
    if (!found) return null;
    return this.begin(tx, found.flow, found.arg, m, ctx, locale, after);
  }

  /** Ends a conversation that has had no activity since `seq` (run by the timeout job). */
  async expire(conversationId: number, seq: number): Promise<boolean> {
    return this.timeouts.expire(conversationId, seq);
  }

  /**
   * The timeout job of a conversation fired: ends it if it has been inactive for its flow's time,
   * else (it moved on since the job was set) sets the job again for the row's current expiry.
   */
  async timeoutDue(conversationId: number): Promise<'expired' | 'rearmed' | 'none'> {
    return this.timeouts.timeoutDue(conversationId);
  }

  /** The conversation-timeout moment, for its worker. */
  get timeoutMoment() {
    return this.timeouts.moment;
  }

  /** Expires every active conversation past its time (a lost timeout job, a long downtime). */
  async sweepExpired(): Promise<number> {
    return this.timeouts.sweepExpired();
  }

  private async begin(
    tx: Queryable,
    flow: StoredFlow,
    arg: string | undefined,
    m: InboundMessage,
    ctx: InboundContext,
    locale: Locale,
    after: (() => Promise<void>)[],
  ): Promise<Turn> {
    const def = flow.definition;
    const orgId = ctx.chat?.orgId ?? ctx.person?.orgId ?? null;
    const row = await insertConversation(tx, {
      // the same conversation begun in a group and taken to the private chat: the group's one ends
      ...(m.chat.kind === 'private' ? { cancelElsewhere: flow.key } : {}),
      m,
      personId: ctx.person!.id,
      flowId: flow.id,
      orgId,
      chatId: ctx.chat?.id ?? null,
      locale,
      step: def.start,
      answers: arg === undefined ? {} : { arg },
      expiresAt: new Date(this.now().getTime() + def.timeoutMinutes * 60_000),
    });
    const env = await transactionEnv(this.deps, tx, row, stampOf(ctx, row), after);
    const result = await enter(def, stateOf(row), env);
    return this.persist(row, def, result.state, result.replies, after);
  }

  /** The turn's outcome: replies bound to the next step, and the state to write (in `handle`). */
  private persist(
    row: ConversationRow,
    flow: FlowDefinition,
    state: RunState,
    replies: Reply[],
    after: (() => Promise<void>)[],
  ): Turn {
    const { seq, expiresAt, replies: sent } = this.outcome(row, flow, state, replies, this.now());
    return {
      replies: sent,
      save: { id: row.id, seq: row.seq, state, expiresAt },
      after,
      timeout: state.status === 'active' ? { id: row.id, seq, at: expiresAt } : undefined,
    };
  }

  /** A turn's next `seq` and expiry, and its replies with options bound to this conversation's step. */
  private outcome(row: ConversationRow, flow: FlowDefinition, state: RunState, replies: Reply[], now: Date) {
    const seq = row.seq + 1;
    const expiresAt = new Date(now.getTime() + flow.timeoutMinutes * 60_000);
    // options answer only this conversation at this step
    const bind = (r: Reply): Reply =>
      r.choices
        ? {
            ...r,
            choices: r.choices.map((c) => ({
              ...c,
              payload: c.payload.replace(/^opt:/, `opt:${row.id}.${seq}:`),
            })),
          }
        : r;
    return { seq, expiresAt, replies: state.status === 'active' ? replies.map(bind) : replies };
  }

  private async deliver(turn: Turn): Promise<void> {
    // the replies first: the person is waiting for them (they leave at once, not awaited), then what
    // the turn's actions left to do after COMMIT (notices to others, deadline jobs)
    for (const send of turn.sends ?? []) await send();
    for (const fn of turn.after) await fn();
    // one timeout job per conversation, added when it starts; when it fires early (the person kept
    // answering) it re-arms itself for the row's current expiry (`timeoutDue`): a turn adds no job
    if (turn.timeout && turn.timeout.seq === 1) await this.timeouts.arm(turn.timeout);
  }

  private async lockActive(
    tx: Queryable,
    m: InboundMessage,
    personId: number,
  ): Promise<ConversationRow | null> {
    const row = await lockActiveConversation(tx, m, personId);
    if (row && row.expires_at <= this.now()) {
      // its timeout job has not run yet: it is over all the same, and this message may start anew
      await finishConversation(tx, row.id, 'expired');
      return null;
    }
    return row ?? null;
  }

  /**
   * Whether a message may concern a flow: the sender has an active conversation here (returned,
   * as read, unlocked), or it hits a trigger of a flow in effect at the chat's org. Read-only: the
   * dispatcher's first read brings it, else one statement; the effective flows are cached per org
   * path and *flow generation* (the newest published version's id: published versions never change, so a
   * publish anywhere invalidates at once, in every process).
   */
  private async precheck(
    ctx: InboundContext,
    personId: number | null,
  ): Promise<{ concerns: boolean; active: ConversationRow | null; flows?: StoredFlow[] }> {
    const m = ctx.message;
    const orgId = ctx.chat?.orgId ?? ctx.person?.orgId ?? null;
    // read with the chat and the writer (TurnContexts), unless the writer was new then
    const r =
      ctx.prefetch instanceof TurnPrefetch && ctx.prefetch.personId === personId
        ? { active: ctx.prefetch.active, path: ctx.prefetch.orgPath, gen: ctx.prefetch.flowGen }
        : // the writer was new then: one statement of its own
          await readPrecheck(this.deps.db, m, personId, orgId);
    if (r.active) return { concerns: true, active: r.active };
    const path = (r.path ?? []).map(Number);
    const key = path.join('/');
    let cached = this.flowCache.get(key);
    if (!cached || cached.gen !== r.gen) {
      cached = { gen: r.gen, flows: await effectiveFlows(this.deps.db, path) };
      if (this.flowCache.size > 10_000) this.flowCache.clear();
      this.flowCache.set(key, cached);
    }
    return {
      concerns: cached.flows.some((f) => f.definition.triggers.some((t) => triggerHit(t, m))),
      active: null,
      flows: cached.flows,
    };
  }

  private readonly flowCache = new Map<string, { gen: number | null; flows: StoredFlow[] }>();

  /** A conversation's flow version: published versions never change, so they are kept once read. */
  private async publishedFlow(q: Queryable, id: number): Promise<FlowDefinition> {
    const known = this.versions.get(id);
    if (known) return known;
    const flow = await flowById(q, id);
    if (!flow) throw new Error(`conversation refers to flow ${id}, which does not exist`);
    if (flow.version > 0) {
      if (this.versions.size > 1000) this.versions.clear();
      this.versions.set(id, flow.definition);
    }
    return flow.definition;
  }

  private readonly versions = new Map<number, FlowDefinition>();

  /**
   * The flow a message starts, if any: among `inForce` (the precheck's flows, read or cached for the
   * org path and flow generation it read a moment ago), else the flows read now.
   */
  private async matchTrigger(
    ctx: InboundContext,
    tx: Queryable | null,
    inForce?: StoredFlow[],
  ): Promise<{ flow: StoredFlow; arg?: string } | null> {
    const q = tx ?? this.deps.db;
    const orgId = ctx.chat?.orgId ?? ctx.person?.orgId ?? null;
    const flows = inForce ?? (await effectiveFlows(q, orgId === null ? [] : await orgPath(q, orgId)));
    for (const flow of flows) {
      for (const t of flow.definition.triggers) {
        const hit = triggerHit(t, ctx.message);
        if (hit) return { flow, arg: hit.arg };
      }
    }
    return null;
  }
}

/** How a turn's `i`th reply is sent: keyed by its place in the turn, with its buttons and link. */
function replyOptions(r: Reply, i: number) {
  return { key: `flow-${i}`, choices: r.choices, forceReply: r.forceReply, privateLink: r.privateLink };
}

function stateOf(row: ConversationRow): RunState {
  return { step: row.step, answers: row.answers, attempts: row.attempts, status: row.status };
}

/** The org chain's stamp the turn's first read saw for this conversation's org (null: read it afresh). */
function stampOf(ctx: InboundContext, row: ConversationRow): string | null {
  return ctx.prefetch instanceof TurnPrefetch ? ctx.prefetch.stampOf(row.org_id) : null;
}
