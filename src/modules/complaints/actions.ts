import { z } from 'zod';
import type { ActionRegistry } from '../../flows/actions.js';
import { compoundIn, upToCompound } from '../../kernel/access/org-chain.js';
import { categoriesOn } from './categories.js';
import { policiesOn } from './chain-settings.js';
import type { ComplaintService } from './commands/transitions.js';
import { complaintNumber, complaintToRate, findComplaintForUpdate, handlesComplaint } from './repository.js';

const location = z.object({
  building: z.string(),
  unit: z.string(),
  room: z.string(),
  unitId: z.number().int().positive().optional(),
});
/** Why a report cannot be taken: no compound is known for the conversation (a stranger's private chat). */
const NO_COMPOUND = {
  'zh-CN': '还不知道您是哪个小区的：请先在您小区的居民群里发「投诉」，再按提示私聊我报事。',
  en: "I don't know your compound yet: write /complaint in your compound's residents' group first, then follow the link to report privately.",
};
/** An Official Account's follower is in no group of the account's: they link to their unit first. */
const NO_COMPOUND_OA = {
  'zh-CN':
    '还不知道您是哪个小区的：请先发送「认证 验证码」（业主委员会按户发放）关联您的房屋，再点「报事」。',
  en: 'I don’t know your compound yet: first send "认证 CODE" (the code the owners’ committee gave your unit) to link your home, then tap 报事 again.',
};
const noCompound = (channel: string) => (channel === 'wechat_oa' ? NO_COMPOUND_OA : NO_COMPOUND);

/** The complaint number a dry run (the simulator) shows. */
const SAMPLE_NUMBER = '20260101-0000';

/**
 * The complaint flows' actions (filing, rating, a handler's note). Each module registers its own
 * (its manifest's `actions`).
 */
export function registerComplaintActions(
  registry: ActionRegistry,
  complaints: ComplaintService,
): ActionRegistry {
  return registry
    .register({
      name: 'complaint_compound',
      description:
        'The compound a report would be filed at (the chat’s, or in a private chat the person’s); refuses, saying how to start, when there is none; output: {id, name}',
      input: z.object({}),
      readOnly: true,
      async run(_input, ctx) {
        const compound = compoundIn(await ctx.orgChain());
        if (!compound || ctx.personId === null) return { ok: false, message: noCompound(ctx.channel) };
        return { ok: true, output: { id: compound.id, name: compound.name } };
      },
    })
    .register({
      name: 'create_complaint',
      description:
        'Files a complaint at the compound of the conversation; refuses anonymous=true in a group chat; output: {id, number}',
      input: z.object({
        category: z.string().min(1),
        description: z.string().min(1).max(2000),
        location: location.nullable().optional(),
        photo: z.string().nullable().optional(),
        anonymous: z.boolean().optional(),
      }),
      async run(input, ctx) {
        const chain = await ctx.orgChain();
        const compound = compoundIn(chain);
        if (!compound || ctx.personId === null) return { ok: false, message: noCompound(ctx.channel) };
        // defence in depth: a flow edited through the API must not take an anonymous report where
        // the group reads along (the built-in flow asks it only in the private chat)
        if (input.anonymous && ctx.chatKind === 'group') {
          return {
            ok: false,
            message: {
              'zh-CN': '匿名报事只能私聊我提交，群里提交的报事会显示您的名字。',
              en: 'An anonymous report can only be made in a private chat with me; a report made in the group shows your name.',
            },
          };
        }
        const categories = categoriesOn(chain);
        if (!categories.some((c) => c.code === input.category)) {
          return {
            ok: false,
            message: { 'zh-CN': '这个类别本小区不受理。', en: 'This compound does not take that category.' },
          };
        }
        if (ctx.dryRun) return { ok: true, output: { id: 0, number: SAMPLE_NUMBER } };
        const service = complaints;
        const filed = await service.file(
          ctx.tx,
          {
            compoundId: compound.id,
            reporterId: ctx.personId,
            anonymous: input.anonymous ?? false,
            category: input.category,
            description: input.description,
            building: input.location?.building,
            // a location naming no unit (3幢501) has unit ''
            unit: input.location?.unit || null,
            room: input.location?.room,
            photos: input.photo ? [input.photo] : [],
            channel: ctx.channel === 'simulator' ? null : ctx.channel,
            chatExternalId: ctx.chatExternalId,
          },
          policiesOn(chain),
        );
        // the filing's notices from the chain it was filed on (the compound's: what lies below it is not the complaint's)
        ctx.afterCommit(() => service.afterChange(filed, upToCompound(chain)));
        return { ok: true, output: { id: filed.id, number: filed.number } };
      },
    })
    .register({
      name: 'rate_complaint',
      description:
        'The reporter rates a resolved complaint: 满意/基本满意 close it, 不满意 reopens it (or escalates after too many reopenings)',
      input: z.object({
        complaintId: z.coerce.number().int().positive(),
        rating: z.enum(['satisfied', 'basically_satisfied', 'dissatisfied']),
        comment: z.string().max(500).nullable().optional(),
      }),
      async run(input, ctx) {
        // a dry run (the simulator) reads no complaint: an admin's draft names any id it likes,
        // and the answer must not tell whether it exists, nor its number
        if (ctx.dryRun) return { ok: true, output: { number: SAMPLE_NUMBER } };
        const c = await complaintToRate(ctx.tx, input.complaintId);
        if (!c || c.reporter_id !== ctx.personId) {
          return {
            ok: false,
            message: {
              'zh-CN': '只有报事人可以评价这条报事。',
              en: 'Only the person who reported it can rate it.',
            },
          };
        }
        if (c.status !== 'resolved') {
          return {
            ok: false,
            message: { 'zh-CN': '这条报事现在不需要评价。', en: 'This report is not waiting for a rating.' },
          };
        }
        const service = complaints;
        const updated = await service.rate(ctx.tx, c.id, input.rating, input.comment ?? null, ctx.personId);
        ctx.afterCommit(() => service.afterChange(updated));
        return { ok: true, output: { number: c.number, status: updated.status } };
      },
    })
    .register({
      name: 'note_complaint',
      description:
        'A handler of the complaint’s current level (or above) adds a note and a photo to its timeline',
      input: z.object({
        complaintId: z.coerce.number().int().positive(),
        note: z.string().min(1).max(1000),
        photo: z.string().nullable().optional(),
      }),
      async run(input, ctx) {
        // dry run: nothing read (see rate_complaint)
        if (ctx.dryRun) return { ok: true, output: { number: SAMPLE_NUMBER } };
        const number = await complaintNumber(ctx.tx, input.complaintId);
        const handles = await handlesComplaint(ctx.tx, ctx.personId, input.complaintId);
        if (number === undefined || !handles) {
          return {
            ok: false,
            message: {
              'zh-CN': '您不是这条报事当前层级的处理人员。',
              en: 'You do not handle this report at its current level.',
            },
          };
        }
        const service = complaints;
        const locked = await findComplaintForUpdate(ctx.tx, input.complaintId);
        await service.transition(
          ctx.tx,
          locked!,
          { action: 'note', note: input.note, photos: input.photo ? [input.photo] : [] },
          { label: 'handler', personId: ctx.personId },
        );
        return { ok: true, output: { number } };
      },
    });
}
