import type { Choice, OutboundMessage } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import type { AfterCommit, OutboundRequest, Outbox } from '../../kernel/outbox/outbox.js';
import { privateAddresses, residentsGroups } from '../chats/index.js';
import { ballotButton, turnoutButton } from './callbacks.js';
import type { ProposalRow } from './repository.js';
import { privateBallotLink, voteTexts } from './texts.js';
import type { VoteNotifierPort } from './timers.js';

/**
 * Who hears what about a vote (after COMMIT, through the outbox, keyed so a repeated trigger
 * never sends twice):
 * - at opening, each residents' group of the compound: the announcement, with a button per
 *   option on Telegram (`vt:<proposal>:<n>`, and 投票进度 `vtt:<proposal>`) and numbered
 *   options answered by 「投票 <proposal> <n>」 on WeChat (a group message has no single
 *   person to remember numbered choices for); a secret ballot's announcement has no way to vote
 *   in the group, only the private link (`vote-<proposal>`, 「投票 <proposal>」);
 * - at closing, the same groups: the result with both axes and the reason;
 * - before closing, each owner who has not voted: a reminder, privately on Telegram, with an
 *   @-mention in the compound's WeChat group on WeChat.
 */
export class VoteNotifier implements VoteNotifierPort {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  /**
   * The group messages of an opening or a closing, written in the transaction that changes the
   * status (so a crash between COMMIT and sending loses nothing: the outbox reconciler re-adds the
   * job of a queued delivery); the returned function schedules them after COMMIT.
   */
  async stage(tx: Queryable, p: ProposalRow, moment: 'opened' | 'closed'): Promise<AfterCommit> {
    return this.stageAll(tx, await this.groupMessages(tx, p, moment));
  }

  private async groupMessages(
    q: Queryable,
    p: ProposalRow,
    moment: 'opened' | 'closed',
  ): Promise<OutboundRequest[]> {
    return (await this.groups(q, p.org_id)).map((g) => {
      const chat = { externalId: g.external_chat_id, kind: 'group' as const };
      if (moment === 'closed')
        return {
          channel: g.channel,
          message: { chat, text: voteTexts.result(p) },
          idempotencyKey: `vote-${p.id}-result-${g.channel}-${g.external_chat_id}`,
          orgId: p.org_id,
        };
      const telegram = g.channel === 'telegram';
      if (p.secret)
        // a secret ballot is cast only in private: the announcement carries the way there, and
        // on Telegram only the turnout button
        return {
          channel: g.channel,
          message: {
            chat,
            text: voteTexts.announce(p, !telegram),
            choices: telegram
              ? [{ label: '投票进度', payload: turnoutButton.write({ proposal: p.id }) }]
              : undefined,
            privateLink: privateBallotLink(p),
          },
          idempotencyKey: `vote-${p.id}-open-${g.channel}-${g.external_chat_id}`,
          orgId: p.org_id,
        };
      const choices: Choice[] | undefined = telegram
        ? [
            ...p.options.map((o, i) => ({
              label: o,
              payload: ballotButton.write({ proposal: p.id, option: i + 1 }),
            })),
            { label: '投票进度', payload: turnoutButton.write({ proposal: p.id }) },
          ]
        : undefined;
      return {
        channel: g.channel,
        message: { chat, text: voteTexts.announce(p, !telegram), choices },
        idempotencyKey: `vote-${p.id}-open-${g.channel}-${g.external_chat_id}`,
        orgId: p.org_id,
      };
    });
  }

  /** The reminders sent outside a transaction (a manual resend); idempotent by proposal, offset and person. */
  async remind(p: ProposalRow, offset: number, personIds: number[]): Promise<void> {
    for (const req of await this.reminders(this.db, p, offset, personIds)) await this.outbox.enqueue(req);
  }

  /** The reminders, written in the transaction that marks them sent; scheduled after COMMIT. */
  async stageRemind(tx: Queryable, p: ProposalRow, offset: number, personIds: number[]) {
    return this.stageAll(tx, await this.reminders(tx, p, offset, personIds));
  }

  private stageAll(tx: Queryable, reqs: OutboundRequest[]): Promise<AfterCommit> {
    return this.outbox.stage(tx, reqs);
  }

  private async reminders(q: Queryable, p: ProposalRow, offset: number, personIds: number[]) {
    const groups = await this.groups(q, p.org_id);
    const wechatGroup = groups.find((g) => g.channel === 'wechat');
    const rows = await privateAddresses(q, personIds);
    return rows.map((r): OutboundRequest => {
      const text = voteTexts.remind(p, r.locale);
      const message: OutboundMessage =
        r.channel === 'wechat' && wechatGroup
          ? {
              chat: { externalId: wechatGroup.external_chat_id, kind: 'group' },
              text,
              mention: { externalId: r.external_id, displayName: r.display_name ?? '' },
              ...(p.secret ? { privateLink: privateBallotLink(p) } : {}),
            }
          : { chat: { externalId: r.external_id, kind: 'private' }, text };
      return {
        channel: r.channel,
        message,
        idempotencyKey: `vote-${p.id}-remind${offset}-${r.person_id}`,
        orgId: p.org_id,
        personId: r.person_id,
      };
    });
  }

  private groups(q: Queryable, orgId: number) {
    return residentsGroups(q, orgId);
  }
}
