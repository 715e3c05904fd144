import type { Db } from '../kernel/db/db.js';
import type { Moment } from '../kernel/moments/moment.js';
import { Moments } from '../kernel/moments/moments.js';
import type { Outbox } from '../kernel/outbox/outbox.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import { jobId, QueueName } from '../kernel/queue/names.js';
import {
  activeConversationExpiry,
  expiredConversations,
  finishConversation,
  lockExpiredConversation,
} from './conversation-repository.js';
import { engineTexts } from './engine-texts.js';

/** The payload of a conversation's timeout job: the conversation and the step it was set at. */
export interface FlowTimeout {
  conversationId: number;
  seq: number;
}

/**
 * The inactivity timeout of a conversation: job `flow-timeout-<id>-<seq>` named `timeout` on the
 * flows queue; `timeoutDue` re-reads the row when it fires.
 */
function flowTimeoutMoment(timeoutDue: (conversationId: number) => Promise<unknown>): Moment<FlowTimeout> {
  return {
    label: 'flow timeout',
    queue: QueueName.flows,
    job: 'timeout',
    jobId: (x) => jobId('flow-timeout', x.conversationId, x.seq),
    fire: (x) => timeoutDue(x.conversationId),
    jobOptions: { removeOnComplete: true, removeOnFail: 100 },
  };
}

/**
 * The inactivity timeout of conversations (the flow's `timeoutMinutes`): one delayed job
 * `flow-timeout-<id>-<seq>` per conversation, added when it starts; when it fires and the
 * conversation has moved on, it sets itself again for the row's expiry (so a turn costs no job);
 * a sweep ends any whose job was lost. `FlowEngine` offers these as its own methods.
 */
export class ConversationTimeouts {
  /** what `arm` schedules, and what the worker runs (startFlowTimeoutWorker) */
  readonly moment = flowTimeoutMoment((id) => this.timeoutDue(id));
  private readonly moments: Moments;
  constructor(private readonly deps: { db: Db; queues: QueueBackend; outbox: Outbox; now: () => Date }) {
    this.moments = new Moments(deps.queues, deps.now);
  }

  /** Ends a conversation that has had no activity since `seq` (run by the timeout job). */
  async expire(conversationId: number, seq: number): Promise<boolean> {
    const row = await this.deps.db.transaction(async (tx) => {
      const active = await lockExpiredConversation(tx, conversationId, seq, this.deps.now());
      if (!active) return null;
      await finishConversation(tx, active.id, 'expired');
      return active;
    });
    if (!row) return false;
    await this.deps.outbox.enqueue({
      channel: row.channel,
      idempotencyKey: `flow-timeout-${row.id}-${row.seq}`,
      orgId: row.org_id,
      personId: row.person_id,
      discreet: row.chat_kind === 'private', // as every reply in a private conversation
      message: {
        chat: { externalId: row.chat_external_id, kind: row.chat_kind },
        text: engineTexts(row.locale).timedOut,
        mention:
          row.chat_kind === 'group'
            ? { externalId: row.person_external_id, displayName: row.person_display_name }
            : undefined,
      },
    });
    return true;
  }

  /**
   * The timeout job of a conversation fired: ends it if it has been inactive for its flow's time,
   * else (it moved on since the job was set) sets the job again for the row's current expiry.
   */
  async timeoutDue(conversationId: number): Promise<'expired' | 'rearmed' | 'none'> {
    const r = await activeConversationExpiry(this.deps.db, conversationId);
    if (!r) return 'none';
    if (r.expires_at <= this.deps.now()) return (await this.expire(r.id, r.seq)) ? 'expired' : 'none';
    await this.arm({ id: r.id, seq: r.seq, at: r.expires_at });
    return 'rearmed';
  }

  /** Expires every active conversation past its time (a lost timeout job, a long downtime). */
  async sweepExpired(): Promise<number> {
    const rows = await expiredConversations(this.deps.db, this.deps.now());
    let n = 0;
    for (const r of rows) if (await this.expire(r.id, r.seq)) n++;
    return n;
  }

  /** Adds (or sets again) the timeout job of a conversation at `seq`, due at `at`. */
  async arm(t: { id: number; seq: number; at: Date }): Promise<void> {
    await this.moments.schedule(this.moment, [{ data: { conversationId: t.id, seq: t.seq }, at: t.at }]);
  }
}
