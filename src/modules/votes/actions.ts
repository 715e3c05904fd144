import { z } from 'zod';
import type { ActionContext, ActionResult, FlowAction } from '../../flows/actions.js';
import type { Locale } from '../../flows/flow-schema.js';
import { AppError } from '../../kernel/access/errors.js';
import type { Queryable } from '../../kernel/db/db.js';
import { howToLink, isRegisteredOwner } from '../units/index.js';
import type { VoteService } from './commands/proposals.js';
import { findProposal, openProposalsOfVoter, type ProposalRow } from './repository.js';
import { voteTexts } from './texts.js';

/**
 * The vote flow's actions: `vote_ballot` shows the proposal and its options, `cast_vote` casts
 * (or changes) the ballot of the person talking. Without a proposal id both pick the one open
 * proposal the person may vote on, and ask for the id when there are several.
 */
const proposalId = z.coerce.number().int().positive().nullable().optional();

type Pick = { ok: true; row: ProposalRow } | { ok: false; message: { 'zh-CN': string; en: string } };

async function pick(
  tx: Queryable,
  personId: number | null,
  id: number | null | undefined,
  channel: ActionContext['channel'],
): Promise<Pick> {
  // an account not linked to the register is told how to link, in one message
  if (personId === null || !(await isRegisteredOwner(tx, personId)))
    return { ok: false, message: howToLink(channel) };
  if (id) {
    const row = await findProposal(tx, id);
    if (row?.status !== 'open') return { ok: false, message: voteTexts.notOpen };
    return { ok: true, row };
  }
  const rows = await openProposalsOfVoter(tx, personId);
  if (rows.length === 1) return { ok: true, row: rows[0]! };
  if (rows.length === 0) return { ok: false, message: voteTexts.noOpen };
  const list = rows.map((r) => `#${r.id} ${r.title}`).join('\n');
  return {
    ok: false,
    message: {
      'zh-CN': `有多项表决正在进行，请发送 /vote 编号：\n${list}`,
      en: `Several votes are open; send /vote <number>:\n${list}`,
    },
  };
}

/** "1", "１", "同意" → the option; null if it is none of them. */
export function optionFrom(options: string[], answer: string): string | null {
  const t = answer.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (/^\d{1,2}$/.test(t)) return options[Number(t) - 1] ?? null;
  return options.find((o) => o === t || o.toLowerCase() === t.toLowerCase()) ?? null;
}

export function voteActions(votes: VoteService): FlowAction[] {
  const service = (_ctx: ActionContext) => votes;
  const ballot: FlowAction = {
    name: 'vote_ballot',
    description:
      'Shows an open proposal to the person (the one they may vote on, or the id given); output: {id, title, choices}',
    input: z.object({ proposalId }),
    async run(input, ctx): Promise<ActionResult> {
      if (ctx.dryRun)
        return { ok: true, output: { id: 1, title: '示例表决', choices: '1. 同意\n2. 反对\n3. 弃权' } };
      const found = await pick(
        ctx.tx,
        ctx.personId,
        input.proposalId as number | null | undefined,
        ctx.channel,
      );
      if (!found.ok) return found;
      // a secret ballot is cast only in private (chat.ts refuses it in a group before the flow)
      if (ctx.chatKind === 'group' && found.row.secret)
        return { ok: false, message: voteTexts.secretInGroup(found.row) };
      const r = found.row;
      return {
        ok: true,
        output: {
          id: r.id,
          title: r.title,
          choices: r.options.map((o, i) => `${i + 1}. ${o}`).join('\n'),
        },
      };
    },
  };
  const cast: FlowAction = {
    name: 'cast_vote',
    description:
      'Casts or changes the ballot of the person talking on an open proposal (the last ballot counts); output: {id, receipt, option, text}',
    input: z.object({ proposalId, option: z.string().min(1).max(40) }),
    async run(input, ctx): Promise<ActionResult> {
      if (ctx.dryRun) return { ok: true, output: { id: 1, receipt: 'ABCD1234', option: '同意', text: '' } };
      const found = await pick(
        ctx.tx,
        ctx.personId,
        input.proposalId as number | null | undefined,
        ctx.channel,
      );
      if (!found.ok) return found;
      if (ctx.chatKind === 'group' && found.row.secret)
        return { ok: false, message: voteTexts.secretInGroup(found.row) };
      const option = optionFrom(found.row.options, String(input.option));
      const locale: Locale = ctx.locale;
      // a wrong answer is not a refusal: the flow asks again, saying why
      if (!option)
        return {
          ok: true,
          output: { retry: true, text: voteTexts.unknownOption(found.row.options, locale) },
        };
      try {
        const out = await service(ctx).castIn(ctx.tx, {
          proposalId: found.row.id,
          personId: ctx.personId!,
          option,
          channel: ctx.channel === 'simulator' ? 'api' : ctx.channel,
        });
        return {
          ok: true,
          output: {
            retry: false,
            id: found.row.id,
            receipt: out.receipt,
            option: out.option,
            text: voteTexts.voted(
              out.proposal,
              out.kind,
              out.option,
              out.receipt,
              locale,
              ctx.chatKind === 'group',
            ),
          },
        };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'not_an_owner') return { ok: false, message: voteTexts.notOwner };
        return { ok: false, message: voteTexts.notOpen };
      }
    },
  };
  return [ballot, cast];
}
