import { z } from 'zod';
import type { ActionContext, ActionRegistry, ActionResult } from '../../flows/actions.js';
import type { Text } from '../../flows/flow-schema.js';
import { howToLink } from '../units/index.js';
import type { EvaluationService } from './commands/campaigns.js';
import type { Refusal } from './schema.js';

/**
 * The actions of the built-in `evaluation` flow:
 * - `evaluation_step` walks the campaign's criteria one by one (the flow loops: step → ask a
 *   1–5 score → step …): given the progress so far and the last score, it returns the next
 *   criterion's label, or `done`. It checks on every turn that the campaign is still open and
 *   the resident's unit has not answered, so a closed campaign stops the conversation at once.
 * - `submit_evaluation` records the unit's response (one per unit; the first one counts).
 */
const progressSchema = z.object({
  campaignId: z.number().int().positive(),
  index: z.number().int().min(0),
  scores: z.record(z.string(), z.number().int().min(1).max(5)),
});

export const REFUSALS: Record<Refusal | 'no_campaign', Text> = {
  no_campaign: {
    'zh-CN': '现在没有进行中的物业服务评价。',
    en: 'There is no property-service evaluation running now.',
  },
  not_open: {
    'zh-CN': '这次物业服务评价还没有开始，开始后会在群里通知。',
    en: 'This evaluation has not started yet; the group will be told when it opens.',
  },
  closed: {
    'zh-CN': '这次物业服务评价已经结束，您的回复没有记录。谢谢关注！',
    en: 'This evaluation has closed; your answer was not recorded. Thank you!',
  },
  cancelled: {
    'zh-CN': '这次物业服务评价已经取消，您的回复没有记录。',
    en: 'This evaluation was cancelled; your answer was not recorded.',
  },
  duplicate: {
    'zh-CN': '您家{{unit}}已经参加过这次评价了，每户只能评价一次（以第一份为准）。',
    en: 'Your unit{{unit}} has already answered this evaluation: one response per unit (the first counts).',
  },
  not_in_scope: {
    'zh-CN': '您登记的住址不在这次评价的小区里。',
    en: 'Your registered unit is not in a compound of this evaluation.',
  },
};

/**
 * No unit to answer for (or no person at all): one message saying how to link the account to the
 * owner register on this platform (units/link-texts.ts), or, for a tenant, how to register.
 */
function unlinked(channel: ActionContext['channel']): ActionResult {
  const t = howToLink(channel);
  return {
    ok: false,
    message: {
      'zh-CN': `每户一份评价。${t['zh-CN']}
租户请发送「登记」登记住址。`,
      en: `One response per unit. ${t.en}
Tenants: send 登记 to register your address.`,
    },
  };
}

function refuse(r: keyof typeof REFUSALS, unit?: string): ActionResult {
  const t = REFUSALS[r];
  const fill = (s: string | undefined, v: string) => s?.replace('{{unit}}', v);
  return {
    ok: false,
    message: {
      'zh-CN': fill(t['zh-CN'], unit ? `（${unit}）` : '')!,
      en: fill(t.en, unit ? ` (${unit})` : ''),
    },
  };
}

export function registerEvaluationActions(
  registry: ActionRegistry,
  evaluations: EvaluationService,
): ActionRegistry {
  return registry
    .register({
      name: 'evaluation_step',
      description:
        'Evaluation of the property company: the next criterion to score 1–5 (label, position, total) or done; refuses when the campaign is not open or the unit answered',
      input: z.object({
        campaignId: z.coerce.number().int().positive().nullable().optional(),
        progress: progressSchema.nullable().optional(),
        score: z.coerce.number().int().min(1).max(5).nullable().optional(),
      }),
      async run(input, ctx) {
        if (ctx.dryRun) {
          return {
            ok: true,
            output: {
              campaignId: 1,
              index: 0,
              total: 1,
              position: 1,
              label: '治安',
              scores: {},
              done: false,
            },
          };
        }
        if (ctx.personId === null) return unlinked(ctx.channel);
        const service = evaluations;
        const wanted = input.progress?.campaignId ?? input.campaignId ?? null;
        const found = await service.forResident(ctx.tx, ctx.personId, wanted, ctx.orgId);
        if (!found.ok)
          return found.refusal === 'no_unit' ? unlinked(ctx.channel) : refuse(found.refusal, found.unitLabel);
        const criteria = found.campaign.criteria;
        let index = 0;
        let scores: Record<string, number> = {};
        if (input.progress && input.progress.campaignId === found.campaign.id) {
          index = input.progress.index;
          scores = { ...input.progress.scores };
          const current = criteria[index];
          if (current && input.score) {
            scores[current.key] = input.score;
            index++;
          }
        }
        const next = criteria[index];
        return {
          ok: true,
          output: {
            campaignId: found.campaign.id,
            title: found.campaign.title,
            unit: found.unit.label,
            compound: found.unit.compound,
            index,
            total: criteria.length,
            position: index + 1,
            label: next ? (ctx.locale === 'en' ? next.en : next.zh) : null,
            scores,
            done: !next,
          },
        };
      },
    })
    .register({
      name: 'submit_evaluation',
      description:
        'Records the unit’s evaluation (every criterion scored 1–5, an optional comment); one per unit',
      input: z.object({
        progress: progressSchema,
        comment: z.string().max(500).nullable().optional(),
      }),
      async run(input, ctx) {
        if (ctx.dryRun) return { ok: true, output: { unit: '1栋1单元101', compound: '阳光小区' } };
        if (ctx.personId === null) return unlinked(ctx.channel);
        const service = evaluations;
        const found = await service.forResident(ctx.tx, ctx.personId, input.progress.campaignId);
        if (!found.ok)
          return found.refusal === 'no_unit' ? unlinked(ctx.channel) : refuse(found.refusal, found.unitLabel);
        const missing = found.campaign.criteria.some((c) => input.progress.scores[c.key] === undefined);
        if (missing) return refuse('closed');
        const scores = Object.fromEntries(
          found.campaign.criteria.map((c) => [c.key, input.progress.scores[c.key]!]),
        );
        const r = await service.record(ctx.tx, {
          campaignId: found.campaign.id,
          unitId: found.unit.id,
          personId: ctx.personId,
          scores,
          comment: input.comment ?? null,
          channel: ctx.channel,
        });
        if (!r.ok) return refuse(r.refusal, found.unit.label);
        return { ok: true, output: { unit: found.unit.label, compound: found.unit.compound } };
      },
    });
}
