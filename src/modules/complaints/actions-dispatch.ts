import { z } from 'zod';
import type { ActionContext, ActionRegistry, ActionResult } from '../../flows/actions.js';
import { AppError } from '../../kernel/access/errors.js';
import type { ComplaintService } from './commands/transitions.js';
import { isOpen } from './lifecycle.js';
import { findComplaint, findComplaintForUpdate, handlesComplaint } from './repository.js';
import { personName } from './repository-notices.js';
import { complaintTexts } from './texts.js';
import { pickTarget, targetList, transferTargets } from './transfer-targets.js';

/** The sample a dry run (the simulator) shows. */
const SAMPLE = { number: '20260101-0000', list: '1. 张三 · 物业经理\n2. 网格员（岗位，由任一网格员接手）' };

const both = (pick: (t: ReturnType<typeof complaintTexts>) => string) => ({
  'zh-CN': pick(complaintTexts('zh-CN')),
  en: pick(complaintTexts('en')),
});

/**
 * Why the presser may not move this complaint, or null: they must handle it at its level or above,
 * and it must still be open.
 */
async function refusal(ctx: ActionContext, complaintId: number): Promise<ActionResult | null> {
  if (!(await handlesComplaint(ctx.tx, ctx.personId, complaintId)))
    return { ok: false, message: both((t) => t.chat.notHandler) };
  const c = await findComplaint(ctx.tx, complaintId);
  if (!c || !isOpen(c.status)) return { ok: false, message: both((t) => t.transfer.notOpen) };
  return null;
}

/** A refusal of the loop (409 changed or closed, 400 a bad target) as the presser reads it. */
function refused(err: unknown): ActionResult {
  if (!(err instanceof AppError)) throw err;
  if (err.code === 'not_assigned') return { ok: false, message: both((t) => t.transfer.notAssigned) };
  if (err.status === 409) return { ok: false, message: both((t) => t.transfer.notOpen) };
  return { ok: false, message: { 'zh-CN': err.message, en: err.message } };
}

/**
 * The transfer (转办) and return (退回) conversations' actions: a handler hands a complaint to a
 * colleague or a role with a note, or gives it back to dispatch with a reason — the same loop
 * transitions as over the API, in the turn's transaction, notified after COMMIT.
 */
export function registerDispatchActions(
  registry: ActionRegistry,
  complaints: ComplaintService,
): ActionRegistry {
  const id = z.coerce.number().int().positive();
  return registry
    .register({
      name: 'transfer_options',
      description:
        'Whom a handler can transfer a complaint to, as a numbered list; refuses when the presser does not handle it or it is settled; output: {list, count}',
      input: z.object({ complaintId: id }),
      async run(input, ctx) {
        if (ctx.dryRun) return { ok: true, output: { list: SAMPLE.list, count: 2 } };
        const no = await refusal(ctx, input.complaintId);
        if (no) return no;
        const targets = await transferTargets(ctx.tx, input.complaintId, ctx.personId, ctx.locale);
        if (targets.length === 0) return { ok: false, message: both((t) => t.transfer.nobody) };
        return { ok: true, output: { list: targetList(targets), count: targets.length } };
      },
    })
    .register({
      name: 'transfer_target',
      description:
        'Checks an answer names someone on the transfer list (a number or a name); output: {label}',
      input: z.object({ complaintId: id, to: z.string().min(1).max(60) }),
      async run(input, ctx) {
        if (ctx.dryRun) return { ok: true, output: { label: '张三 · 物业经理' } };
        const targets = await transferTargets(ctx.tx, input.complaintId, ctx.personId, ctx.locale);
        const target = pickTarget(targets, input.to);
        if (!target) return { ok: false, message: both((t) => t.transfer.pick(targets.length)) };
        return { ok: true, output: { label: target.label } };
      },
    })
    .register({
      name: 'transfer_complaint',
      description:
        'A handler transfers a complaint to the person or role the answer names, with a note; output: {number, to}',
      input: z.object({
        complaintId: id,
        to: z.string().min(1).max(60),
        note: z.string().max(500).nullable().optional(),
      }),
      async run(input, ctx) {
        if (ctx.dryRun) return { ok: true, output: { number: SAMPLE.number, to: '张三 · 物业经理' } };
        const no = await refusal(ctx, input.complaintId);
        if (no) return no;
        const targets = await transferTargets(ctx.tx, input.complaintId, ctx.personId, ctx.locale);
        const target = pickTarget(targets, input.to);
        if (!target) return { ok: false, message: both((t) => t.transfer.pick(targets.length)) };
        try {
          const c = await findComplaintForUpdate(ctx.tx, input.complaintId);
          const moved = await complaints.transition(
            ctx.tx,
            c!,
            {
              action: 'transfer',
              ...(target.kind === 'person' ? { assigneeId: target.personId } : { role: target.role }),
              note: input.note ?? undefined,
            },
            { label: (await personName(ctx.tx, ctx.personId!)) ?? 'handler', personId: ctx.personId },
          );
          ctx.afterCommit(() => complaints.afterChange(moved));
          return { ok: true, output: { number: moved.number, to: target.label } };
        } catch (err) {
          return refused(err);
        }
      },
    })
    .register({
      name: 'return_complaint',
      description:
        'A handler gives a complaint back to dispatch with a reason (nobody has it then); output: {number}',
      input: z.object({ complaintId: id, reason: z.string().min(1).max(500) }),
      async run(input, ctx) {
        if (ctx.dryRun) return { ok: true, output: { number: SAMPLE.number } };
        const no = await refusal(ctx, input.complaintId);
        if (no) return no;
        try {
          const c = await findComplaintForUpdate(ctx.tx, input.complaintId);
          const returned = await complaints.transition(
            ctx.tx,
            c!,
            { action: 'return', note: input.reason },
            { label: (await personName(ctx.tx, ctx.personId!)) ?? 'handler', personId: ctx.personId },
          );
          ctx.afterCommit(() => complaints.afterChange(returned));
          return { ok: true, output: { number: returned.number } };
        } catch (err) {
          return refused(err);
        }
      },
    });
}
