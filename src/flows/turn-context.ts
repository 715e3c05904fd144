import { type Person, type PersonRow, toPerson } from '../kernel/access/directory.js';
import { orgStampSql } from '../kernel/access/org-chain.js';
import { type Chat, type ChatRow, toChat } from '../kernel/chat/binding.js';
import type { ChannelName, InboundMessage } from '../kernel/chat/port.js';
import { Batcher } from '../kernel/db/batcher.js';
import type { Db } from '../kernel/db/db.js';
import type { Locale } from './flow-schema.js';
import type { RunState } from './machine.js';

/** A row of `linli.conversations` as the engine reads it. */
export interface ConversationRow {
  id: number;
  channel: ChannelName;
  chat_external_id: string;
  chat_kind: 'group' | 'private';
  person_id: number;
  person_external_id: string;
  person_display_name: string;
  flow_id: number;
  org_id: number | null;
  chat_id: number | null;
  locale: Locale;
  step: string;
  answers: Record<string, unknown>;
  attempts: number;
  seq: number;
  status: RunState['status'];
  expires_at: Date;
}

/** The columns of a `ConversationRow`, for statements that must not select `*` (prepared ones). */
export const CONVERSATION_COLUMNS = [
  'id',
  'channel',
  'chat_external_id',
  'chat_kind',
  'person_id',
  'person_external_id',
  'person_display_name',
  'flow_id',
  'org_id',
  'chat_id',
  'locale',
  'step',
  'answers',
  'attempts',
  'seq',
  'status',
  'expires_at',
] as const;

/**
 * What the flow engine's pre-check needs, read together with the chat and the writer: the
 * writer's active conversation in this chat (unlocked, as read), the org path the flows in
 * effect come from, and the flow generation (the newest published version's id).
 */
export class TurnPrefetch {
  constructor(
    /** the person the conversation was looked up for (null: the writer was unknown) */
    readonly personId: number | null,
    readonly active: ConversationRow | null,
    readonly orgPath: number[],
    readonly flowGen: number | null,
    /**
     * the stamp of the org chain of the conversation's org (the active one's, else the chat's or
     * the writer's), for `orgChain`: null when there is none
     */
    readonly orgFacts: { orgId: number; stamp: string | null } | null = null,
  ) {}

  /** The stamp this read saw for `orgId`'s chain, or null (then the chain is read afresh). */
  stampOf(orgId: number | null): string | null {
    return orgId !== null && this.orgFacts?.orgId === orgId ? this.orgFacts.stamp : null;
  }
}

export interface TurnContext {
  /** false: the update was handled before (its mark exists: a redelivery) */
  fresh: boolean;
  chat: Chat | null;
  person: Person | null;
  prefetch: TurnPrefetch;
}

/**
 * What every inbound message starts with, in one statement for all the messages arriving
 * together: whether its update was handled before (`fresh` unless its mark exists; the mark is
 * written with the turn's effects, never here: see bot/update-marks.ts), its chat, its writer (by channel
 * identity), the writer's active conversation in that chat, the org path and the flow generation. Read outside any transaction, unlocked: the
 * dispatcher and the flow engine decide on them and lock (or compare and set) before writing.
 */
export class TurnContexts {
  private readonly batch = new Batcher((keys: InboundMessage[]) => this.read(keys));

  constructor(private readonly db: Db) {}

  load(m: InboundMessage): Promise<TurnContext> {
    return this.batch.load(m);
  }

  private async read(ms: InboundMessage[]): Promise<TurnContext[]> {
    const { rows } = await this.db.query<Record<string, unknown> & { i: number }>(
      `WITH k AS (
         SELECT * FROM json_to_recordset($1::json) AS k(i int, channel text, chat text, sender text, update_id text)
       )
       SELECT k.i, u.seen IS NULL AS "update.fresh",
              ${CONVERSATION_COLUMNS.map((c) => `v.${c}`).join(', ')},
              c.id AS "chat.id", c.channel AS "chat.channel", c.external_chat_id AS "chat.external_chat_id",
              c.org_id AS "chat.org_id", c.purpose AS "chat.purpose", c.title AS "chat.title",
              c.bound_via AS "chat.bound_via", c.created_at AS "chat.created_at",
              p.id AS "person.id", p.name AS "person.name", p.phone AS "person.phone", p.locale AS "person.locale",
              p.org_id AS "person.org_id", p.created_at AS "person.created_at",
              (SELECT path FROM linli.orgs WHERE id = COALESCE(c.org_id, p.org_id)) AS "org.path",
              g.flow_gen AS "flow.gen",
              COALESCE(v.org_id, c.org_id, p.org_id) AS "facts.org",
              ${orgStampSql('COALESCE(v.org_id, c.org_id, p.org_id)')} AS "facts.stamp"
         FROM k
         CROSS JOIN (SELECT max(id) AS flow_gen FROM linli.flows WHERE version > 0) g
         -- one index lookup per message (LATERAL … LIMIT 1 is never turned into a join): the planner
         -- guesses 100 input rows, and with small tables it would rather scan them whole each time
         LEFT JOIN LATERAL (SELECT * FROM linli.chats c
                             WHERE c.channel = k.channel AND c.external_chat_id = k.chat LIMIT 1) c ON true
         LEFT JOIN LATERAL (SELECT p.* FROM linli.identities i JOIN linli.people p ON p.id = i.person_id
                             WHERE i.channel = k.channel AND i.external_id = k.sender LIMIT 1) p ON true
         -- the same for the update's mark: as NOT EXISTS it was planned as a hashed subplan that read
         -- every mark of the last 24 hours on each turn
         LEFT JOIN LATERAL (SELECT true AS seen FROM linli.processed_updates u
                             WHERE u.channel = k.channel AND u.update_id = k.update_id LIMIT 1) u ON true
         LEFT JOIN LATERAL (SELECT * FROM linli.conversations v
                             WHERE v.channel = k.channel AND v.chat_external_id = k.chat
                               AND v.person_id = p.id AND v.status = 'active' LIMIT 1) v ON true`,
      [
        JSON.stringify(
          ms.map((m, i) => ({
            i,
            channel: m.channel,
            chat: m.chat.externalId,
            sender: m.sender.externalId,
            update_id: m.updateId,
          })),
        ),
      ],
      { prepare: 'linli_turn_context_v6' },
    );
    const out: TurnContext[] = ms.map(() => ({
      fresh: false,
      chat: null,
      person: null,
      prefetch: new TurnPrefetch(null, null, [], null),
    }));
    for (const r of rows) {
      const chat = r['chat.id'] === null ? null : toChat(prefixed<ChatRow>(r, 'chat.'));
      const person = r['person.id'] === null ? null : toPerson(prefixed<PersonRow>(r, 'person.'));
      const conversation: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (!k.includes('.') && k !== 'i') conversation[k] = v;
      const factsOrg = r['facts.org'] as number | null;
      out[r.i] = {
        fresh: r['update.fresh'] === true,
        chat,
        person,
        prefetch: new TurnPrefetch(
          person?.id ?? null,
          conversation.id === null ? null : (conversation as unknown as ConversationRow),
          ((r['org.path'] as (number | string)[] | null) ?? []).map(Number),
          (r['flow.gen'] as number | null) ?? null,
          factsOrg === null
            ? null
            : { orgId: Number(factsOrg), stamp: (r['facts.stamp'] as string | null) ?? null },
        ),
      };
    }
    // an update id twice in one batch (a redelivery racing its first delivery) is read as new for
    // both: the mark written with the turn decides which one's effects commit
    return out;
  }
}

function prefixed<T>(r: Record<string, unknown>, prefix: string): T {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith(prefix)) o[k.slice(prefix.length)] = v;
  return o as T;
}
