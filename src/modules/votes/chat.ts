import type { Locale } from '../../flows/flow-schema.js';
import { AppError } from '../../kernel/access/errors.js';
import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import { GROUP_LOCALE } from '../../kernel/chat/texts.js';
import { howToLink, isRegisteredOwner } from '../units/index.js';
import { optionFrom } from './actions.js';
import { ballotButton, turnoutButton } from './callbacks.js';
import type { VoteService } from './commands/proposals.js';
import type { ProposalRow } from './repository.js';
import { privateBallotLink, voteTexts } from './texts.js';

/**
 * Votes cast from the residents' group, before the flow engine:
 * - the announcement's buttons (Telegram) carry `vt:<proposal>:<n>`; 投票进度 carries `vtt:<proposal>`;
 * - on WeChat (no buttons in a group) an owner writes 「投票 <proposal> <n>」 (or `vote 12 1`);
 * - 「投票进度」 / `/turnout [id]` answers with the live turnout of the compound's open votes.
 * The presser must be in the proposal's frozen electorate; anyone else is told why (an account not
 * linked to the owner register: how to link it, see units/link-texts.ts). The reply
 * carries the receipt code and the turnout on both axes.
 *
 * A secret ballot is cast only in the owner's private chat (issue #14): in a group any vote on it
 * (a button, 「投票 <id> <n>」, 「投票 <id>」, /vote, 投票) records nothing and is answered with one
 * short message, in the group's locale and without the choice typed, carrying the private link
 * (`vote-<id>` / 「投票 <id>」). In private, `/start vote-<id>` and 「投票 <id>」 show the ballot
 * with its options as choices (buttons on Telegram, numbered on WeChat), pressed as `vt:` payloads.
 */
const TYPED = /^(?:投票|vote)\s*#?(\d+)\s+(\S{1,40})$/i;
/** 「投票 12」: the ballot of proposal 12 (in private), or the way to it (a secret one in a group). */
const TYPED_ID = /^(?:投票|vote)\s*#?(\d+)$/i;
/** the vote flow's bare keywords (vote-flow.ts) */
const BARE = /^(?:投票|我要投票)$/;
const START = /^vote-(\d{1,12})$/;
const VOTE_ARGS = /^\s*#?(\d{1,12})(?:\s+\S{1,40})?\s*$/;
const TURNOUT_TEXT = /^(?:投票进度|turnout)(?:\s*#?(\d+))?$/i;
const RECEIPT_TEXT = /^(?:回执|receipt)\s*[:：]?\s*([0-9A-Za-z-]{8,9})$/i;

export class VoteChatActions {
  constructor(private readonly votes: VoteService) {}

  /** True when the message was about a vote (answered either way). */
  async handle(ctx: InboundContext): Promise<boolean> {
    const choice = ctx.message.choice ?? '';
    const text = ctx.message.text?.trim() ?? '';
    const b = ballotButton.read(choice);
    if (b) return this.cast(ctx, b.proposal, String(b.option));
    const typed = ctx.message.choice ? null : TYPED.exec(text);
    if (typed) return this.cast(ctx, Number(typed[1]), typed[2]!);
    const start = ctx.message.startPayload ? START.exec(ctx.message.startPayload) : null;
    if (start && ctx.message.chat.kind === 'private') return this.showBallot(ctx, Number(start[1]));
    const bare = ctx.message.choice || ctx.message.command ? null : TYPED_ID.exec(text);
    if (bare) {
      if (ctx.message.chat.kind === 'private') return this.showBallot(ctx, Number(bare[1]));
      if (await this.refusedInGroup(ctx, Number(bare[1]))) return true;
    }
    if (ctx.message.chat.kind === 'group' && (await this.groupFlowStart(ctx, text))) return true;
    const t = turnoutButton.read(choice);
    if (t) return this.turnout(ctx, t.proposal);
    if (ctx.message.command?.name === 'turnout') {
      const id = /^\s*#?(\d+)\s*$/.exec(ctx.message.command.args)?.[1];
      return this.turnout(ctx, id ? Number(id) : null);
    }
    const tt = ctx.message.choice || ctx.message.command ? null : TURNOUT_TEXT.exec(text);
    if (tt) return this.turnout(ctx, tt[1] ? Number(tt[1]) : null);
    const code =
      ctx.message.command?.name === 'receipt'
        ? ctx.message.command.args.trim()
        : ctx.message.choice || ctx.message.command
          ? null
          : RECEIPT_TEXT.exec(text)?.[1];
    if (code) return this.receipt(ctx, code);
    return false;
  }

  private locale(ctx: InboundContext): Locale {
    return ctx.person?.locale ?? 'zh-CN';
  }

  /**
   * `/vote [id] [option]`, 投票 or 我要投票 in a group, which the vote flow would take: on a secret
   * ballot (the id given, or the compound's only open vote) it is refused here with the private
   * link; otherwise the flow takes it as before.
   */
  private async groupFlowStart(ctx: InboundContext, text: string): Promise<boolean> {
    let id: number | null;
    if (ctx.message.command?.name === 'vote') {
      const m = VOTE_ARGS.exec(ctx.message.command.args);
      id = m ? Number(m[1]) : null;
    } else if (!ctx.message.choice && !ctx.message.command && BARE.test(text)) id = null;
    else return false;
    if (id !== null) return this.refusedInGroup(ctx, id);
    const open = ctx.chat ? await this.votes.openIn(ctx.chat.orgId) : [];
    return open.length === 1 ? this.refusedInGroup(ctx, open[0]!.id) : false;
  }

  /**
   * A vote on a secret ballot of this compound, in a group: nothing is recorded; one reply in the
   * group's locale (zh-CN), carrying the private link. False when the proposal is not secret (or
   * not of this compound), for the caller to go on as before.
   */
  private async refusedInGroup(
    ctx: InboundContext,
    proposalId: number,
    row?: ProposalRow | null,
  ): Promise<boolean> {
    if (ctx.message.chat.kind !== 'group') return false;
    const p = row === undefined ? await this.votes.row(proposalId) : row;
    if (!p?.secret || (ctx.chat && ctx.chat.orgId !== p.org_id)) return false;
    await ctx.reply(voteTexts.secretInGroup(p)[GROUP_LOCALE], {
      key: 'vote',
      privateLink: privateBallotLink(p, GROUP_LOCALE),
    });
    return true;
  }

  /** The ballot, in the private chat: the proposal and its options as `vt:` choices. */
  private async showBallot(ctx: InboundContext, proposalId: number): Promise<boolean> {
    const locale = this.locale(ctx);
    const row = await this.votes.row(proposalId);
    if (row?.status !== 'open') {
      await ctx.reply(voteTexts.notOpen[locale], { key: 'vote' });
      return true;
    }
    if (!ctx.person || !(await isRegisteredOwner(this.votesDb(), ctx.person.id))) {
      await ctx.reply(howToLink(ctx.message.channel)[locale], { key: 'vote' });
      return true;
    }
    await ctx.reply(voteTexts.ballot(row, locale), {
      key: 'vote',
      choices: row.options.map((o, i) => ({
        label: o,
        payload: ballotButton.write({ proposal: row.id, option: i + 1 }),
      })),
    });
    return true;
  }

  private async cast(ctx: InboundContext, proposalId: number, answer: string): Promise<boolean> {
    const locale = this.locale(ctx);
    const row = await this.votes.row(proposalId);
    if (await this.refusedInGroup(ctx, proposalId, row)) return true;
    if (!row || (ctx.chat && ctx.chat.orgId !== row.org_id)) {
      await ctx.reply(voteTexts.notOpen[locale], { key: 'vote' });
      return true;
    }
    // an account not linked to the register is told how to link (one message), whatever the vote
    if (!ctx.person || !(await isRegisteredOwner(this.votesDb(), ctx.person.id))) {
      await ctx.reply(howToLink(ctx.message.channel)[locale], { key: 'vote' });
      return true;
    }
    const option = optionFrom(row.options, answer);
    if (!option) {
      await ctx.reply(voteTexts.unknownOption(row.options, locale), { key: 'vote' });
      return true;
    }
    try {
      const out = await this.votes.cast({
        proposalId,
        personId: ctx.person.id,
        option,
        channel: ctx.message.channel,
      });
      const inGroup = ctx.message.chat.kind === 'group';
      const live = await this.liveText(out.proposal, locale);
      await ctx.reply(
        `${voteTexts.voted(out.proposal, out.kind, out.option, out.receipt, locale, inGroup)}\n${live}`,
        { key: 'vote' },
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const message =
        err.code === 'not_an_owner'
          ? voteTexts.notOwner[locale]
          : err.status === 400
            ? voteTexts.unknownOption(row.options, locale)
            : voteTexts.notOpen[locale];
      await ctx.reply(message, { key: 'vote' });
    }
    return true;
  }

  private async turnout(ctx: InboundContext, id: number | null): Promise<boolean> {
    const locale = this.locale(ctx);
    let rows: ProposalRow[];
    if (id !== null) {
      const row = await this.votes.row(id);
      rows = row && row.status === 'open' && (!ctx.chat || ctx.chat.orgId === row.org_id) ? [row] : [];
    } else {
      rows = ctx.chat ? await this.votes.openIn(ctx.chat.orgId) : [];
    }
    if (rows.length === 0) {
      await ctx.reply(voteTexts.noOpen[locale], { key: 'turnout' });
      return true;
    }
    const parts: string[] = [];
    for (const r of rows) parts.push(`#${r.id} ${r.title}\n${await this.liveText(r, locale)}`);
    await ctx.reply(parts.join('\n\n'), { key: 'turnout' });
    return true;
  }

  /** 回执 <code>: is the receipt in the log of a vote of this compound (or of the person's votes)? */
  private async receipt(ctx: InboundContext, code: string): Promise<boolean> {
    const locale = this.locale(ctx);
    const found = await this.votes.findReceiptFor(code, ctx.chat?.orgId ?? null, ctx.person?.id ?? null);
    if (!found) {
      await ctx.reply(
        locale === 'en'
          ? `Receipt ${code.toUpperCase()} is not in the log of any vote here.`
          : `回执码 ${code.toUpperCase()} 不在本小区任何表决的投票记录中。`,
        { key: 'receipt' },
      );
      return true;
    }
    const { row, r } = found;
    const state =
      locale === 'en'
        ? r.counted
          ? 'it is the ballot that counts'
          : 'a later ballot of the same voter replaced it'
        : r.counted
          ? '这是当前计入的一票'
          : '已被同一投票人之后的投票取代';
    await ctx.reply(
      locale === 'en'
        ? `Receipt ${r.receipt} is entry ${r.seq} of the log of vote #${row.id} "${row.title}"; ${state}.`
        : `回执码 ${r.receipt} 在表决 #${row.id}「${row.title}」的投票记录中（第 ${r.seq} 条），${state}。`,
      { key: 'receipt' },
    );
    return true;
  }

  private async liveText(row: ProposalRow, locale: Locale): Promise<string> {
    const fresh = (await this.votes.row(row.id)) ?? row;
    const line = voteTexts.turnoutLine(await this.votes.turnout(this.votesDb(), fresh), locale);
    const outlook = (await this.votes.outlook(this.votesDb(), fresh)).words[locale];
    if (fresh.secret)
      return `${line}\n${outlook}\n${locale === 'en' ? 'Secret ballot: the tally is shown at closing.' : '不记名投票：票数截止后公布。'}`;
    const tally = await this.votes.count(this.votesDb(), fresh);
    return `${line}\n${voteTexts.tallyLine(tally.options)}\n${outlook}`;
  }

  private votesDb() {
    return this.votes.database;
  }
}
