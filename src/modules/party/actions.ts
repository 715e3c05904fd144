import { z } from 'zod';
import type { ActionContext, ActionRegistry } from '../../flows/actions.js';
import type { PartyService } from './commands/members.js';
import type { TaskService } from './commands/tasks.js';
import { splitOwnCommitments } from './commitments.js';
import { findBranchByName, findCompoundsNamed } from './repository/branches.js';

const taskId = z.coerce.number().int().positive();

/**
 * The flow actions of the party module: 报到 (`find_party_branch`, `find_compound`,
 * `register_party_member`) and tasks (`accept_task`, `check_task`, `complete_task`). Each runs in
 * the conversation's transaction; messages to others are staged there and sent after COMMIT.
 */
export function registerPartyActions(
  registry: ActionRegistry,
  partyService: PartyService,
  taskService: TaskService,
): ActionRegistry {
  const services = (_ctx: ActionContext) => ({ party: partyService, tasks: taskService });
  return registry
    .register({
      name: 'find_party_branch',
      description: 'Finds a party branch by its full name; output: {branchId, branchName}',
      input: z.object({ name: z.string().min(1).max(200) }),
      async run(input, ctx) {
        const branch = await findBranchByName(ctx.tx, input.name.trim());
        if (!branch) {
          if (ctx.dryRun) return { ok: true, output: { branchId: 0, branchName: input.name } };
          return {
            ok: false,
            message: {
              'zh-CN': '没有找到这个党支部，请核对全称（例如：市税务局第二党支部）。',
              en: 'No branch of that name; please check its full name.',
            },
          };
        }
        return { ok: true, output: { branchId: branch.id, branchName: branch.name } };
      },
    })
    .register({
      name: 'find_compound',
      description:
        'Finds a compound by name (near the conversation’s org when names repeat); output: {compoundId, compoundName}',
      input: z.object({ name: z.string().min(1).max(200) }),
      async run(input, ctx) {
        const rows = await findCompoundsNamed(ctx.tx, input.name.trim(), ctx.orgId);
        const best = rows[0];
        const tie = rows[1] && rows[1].shared === best?.shared;
        if (!best || tie) {
          if (ctx.dryRun) return { ok: true, output: { compoundId: 0, compoundName: input.name } };
          return {
            ok: false,
            message: best
              ? {
                  'zh-CN': '有几个同名小区，请在您要报到的小区居民群里发送「党员报到」。',
                  en: 'Several compounds have that name; please start from your compound’s residents’ group.',
                }
              : {
                  'zh-CN': '没有找到这个小区，请核对小区名称。',
                  en: 'No compound of that name; please check it.',
                },
          };
        }
        return { ok: true, output: { compoundId: best.id, compoundName: best.name } };
      },
    })
    .register({
      name: 'register_party_member',
      description:
        'Registers the person as a party member reporting to a compound (报到), pending the party secretary’s approval; output: {memberId, status, already}',
      input: z.object({
        name: z.string().min(1).max(100),
        branch: z.object({ branchId: z.coerce.number().int() }),
        compound: z.object({ compoundId: z.coerce.number().int() }),
        commitments: z.array(z.string()).min(1),
        own: z.string().min(1).max(1000),
      }),
      async run(input, ctx) {
        if (ctx.personId === null)
          return {
            ok: false,
            message: {
              'zh-CN': '请先在小区群里说句话再报到。',
              en: 'Please say hello in your compound group first.',
            },
          };
        if (ctx.dryRun) return { ok: true, output: { memberId: 0, status: 'pending', already: false } };
        const { party } = services(ctx);
        const r = await party.register(ctx.tx, {
          personId: ctx.personId,
          name: input.name.trim(),
          branchId: input.branch.branchId,
          compoundId: input.compound.compoundId,
          commitments: input.commitments,
          own: splitOwnCommitments(input.own),
        });
        ctx.afterCommit(() => party.flush(r.staged));
        return { ok: true, output: { memberId: r.member.id, status: r.member.status, already: r.already } };
      },
    })
    .register({
      name: 'accept_task',
      description: 'Takes a slot of a task, first come first served; output: {taskId, title, place}',
      input: z.object({ taskId }),
      async run(input, ctx) {
        if (ctx.personId === null || ctx.dryRun)
          return { ok: true, output: { taskId: input.taskId, title: '示例任务', place: '' } };
        const { tasks } = services(ctx);
        const r = await tasks.accept(ctx.tx, input.taskId, ctx.personId);
        if (!r.ok) return r;
        ctx.afterCommit(() => tasks.flush(r.staged));
        return { ok: true, output: { taskId: r.task.id, title: r.task.title, place: r.task.place } };
      },
    })
    .register({
      name: 'check_task',
      description:
        'Checks that the person has the task (or, without taskId, exactly one task) accepted and open; output: {taskId, title}',
      input: z.object({ taskId: taskId.optional() }),
      async run(input, ctx) {
        if (ctx.personId === null || ctx.dryRun)
          return { ok: true, output: { taskId: input.taskId ?? 0, title: '示例任务' } };
        const r = await services(ctx).tasks.completable(ctx.tx, input.taskId, ctx.personId);
        if (!r.ok) return r;
        return { ok: true, output: { taskId: r.task.id, title: r.task.title } };
      },
    })
    .register({
      name: 'complete_task',
      description:
        'Records the person’s completion of a task with a note, a photo and the hours served; output: {taskId, title, hours}',
      input: z.object({
        taskId: taskId.optional(),
        /** the output of `check_task`, when the flow checked first */
        task: z.object({ taskId }).optional(),
        note: z.string().min(1).max(1000),
        photo: z.string().nullable().optional(),
        hours: z.coerce.number().min(0).max(24),
      }),
      async run(input, ctx) {
        if (ctx.personId === null || ctx.dryRun)
          return { ok: true, output: { taskId: input.taskId ?? 0, title: '示例任务', hours: input.hours } };
        const r = await services(ctx).tasks.complete(ctx.tx, {
          taskId: input.task?.taskId ?? input.taskId,
          personId: ctx.personId,
          note: input.note,
          photo: input.photo ?? null,
          hours: Math.round(input.hours * 10) / 10,
        });
        if (!r.ok) return r;
        return {
          ok: true,
          output: {
            taskId: r.task.id,
            title: r.task.title,
            hours: (Math.round(input.hours * 10) / 10).toFixed(1),
          },
        };
      },
    });
}
