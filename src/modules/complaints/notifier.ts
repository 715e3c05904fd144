import type { Choice, OutboundMessage } from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import { residentsGroups } from '../chats/index.js';
import { handlerButton, noteButton, ratingButton } from './callbacks.js';
import { categoriesFor } from './categories.js';
import type { ComplaintRow } from './commands/transitions.js';
import {
  type HandlerAddress,
  identitiesOf,
  latestEvent,
  previousLevelOrg,
  roleHolderAddresses,
} from './repository-notices.js';
import { categoryRole } from './repository-settings.js';

/**
 * Who hears what when a complaint changes (after COMMIT, through the outbox):
 * - the reporter, on every status change: privately on Telegram, with an @-mention in the group
 *   where it was filed on WeChat (a bot can only write privately to its WeChat friends);
 * - the handlers of the current level, privately, with buttons to accept and resolve, when it
 *   arrives at their level (filed, escalated, appealed, reopened) — urgent when escalated;
 *   the level below is told when it moves up;
 * - the compound's residents' groups, a short public progress notice: category, building,
 *   status — never the reporter.
 * Every message has an idempotency key of complaint + version + audience, so a retried job or a
 * repeated trigger never sends twice.
 */
const STATUS_ZH: Record<string, string> = {
  submitted: '已提交',
  accepted: '已受理',
  in_progress: '处理中',
  resolved: '已处理',
  closed: '已办结',
  rejected: '未受理',
  reopened: '重新处理',
  withdrawn: '已撤回',
};
const LEVEL_ZH: Record<string, string> = {
  compound: '小区',
  community: '社区',
  subdistrict: '街道',
  district: '区县',
  city: '市级',
};
const HANDLER_ROLES = ['handler', 'grid_worker', 'property_manager'];
/** Who handles a category first at the compound unless an org's `settings.categoryRoles` says otherwise. */
export const DEFAULT_FIRST_ROLE: Record<string, string> = {
  repairs: 'property_manager',
  sanitation: 'property_manager',
  lifts: 'property_manager',
  security: 'property_manager',
  greening: 'property_manager',
  parking: 'property_manager',
  fees: 'property_manager',
  noise: 'grid_worker',
  falling_objects: 'grid_worker',
  disputes: 'grid_worker',
};

export class ComplaintNotifier {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  /** Tells everyone concerned about the complaint's latest timeline event (submitted, accept, escalate, …). */
  async changed(c: ComplaintRow): Promise<void> {
    const event = await latestEvent(this.db, c.id);
    const type = event?.type ?? 'submitted';
    const note = event?.note;
    const category = await this.categoryLabel(c);
    const place = c.building ? `${c.building}` : '公共区域';
    const key = `complaint-${c.id}-v${c.version}`;
    const reporterText = this.reporterText(c, type, category, note);
    if (reporterText) await this.toReporter(c, reporterText.text, `${key}-reporter`, reporterText.choices);

    if (['submitted', 'escalate', 'appeal', 'reopen', 'reopened_escalated', 'overdue'].includes(type)) {
      const head = type === 'overdue' ? '【报事超时】' : type === 'submitted' ? '【新报事】' : '【转办报事】';
      const text = `${head}${c.number} · ${category} · ${place}\n${c.description}\n${
        type === 'overdue' ? '已超过市级处理时限，请尽快办理。' : '请尽快受理。'
      }`;
      const choices: Choice[] = [
        {
          label: '受理',
          payload: handlerButton.write({ complaint: c.id, action: 'accept', version: c.version }),
        },
        { label: '补充说明', payload: noteButton.write({ complaint: c.id }) },
        {
          label: '已处理',
          payload: handlerButton.write({ complaint: c.id, action: 'resolve', version: c.version }),
        },
      ];
      const first = c.level === 'compound' ? await this.firstRole(c) : null;
      await this.toHandlers(
        c.level_org_id,
        text,
        `${key}-handlers`,
        choices,
        type !== 'submitted',
        c.org_id,
        first,
      );
    }
    if (type === 'escalate' || type === 'reopened_escalated') {
      const below = await this.levelOrgBelow(c);
      if (below) {
        await this.toHandlers(
          below,
          `【报事升级】${c.number} · ${category} 已超时，已升级至${LEVEL_ZH[c.level]}处理。`,
          `${key}-below`,
          [],
          true,
          c.org_id,
        );
      }
    }
    if (['submitted', 'accept', 'resolve', 'close', 'escalate'].includes(type)) {
      await this.toResidents(
        c,
        `【报事进展】${category} · ${place} · ${type === 'escalate' ? `已转${LEVEL_ZH[c.level]}` : STATUS_ZH[c.status]}`,
        `${key}-group`,
      );
    }
  }

  /** Another reminder to the handlers of a complaint overdue at the city level (the nth since). */
  async overdueReminder(c: ComplaintRow): Promise<void> {
    const category = await this.categoryLabel(c);
    const days = c.resolve_due_at
      ? Math.max(1, Math.round((Date.now() - c.resolve_due_at.getTime()) / 86_400_000))
      : 1;
    await this.toHandlers(
      c.level_org_id,
      `【报事超时提醒】${c.number} · ${category} · ${c.building ?? '公共区域'}\n${c.description}\n已超过${LEVEL_ZH[c.level]}处理时限约 ${days} 天，仍未办结，请尽快办理。`,
      `complaint-${c.id}-overdue-${c.overdue_reminders}`,
      [
        {
          label: '受理',
          payload: handlerButton.write({ complaint: c.id, action: 'accept', version: c.version }),
        },
        { label: '补充说明', payload: noteButton.write({ complaint: c.id }) },
        {
          label: '已处理',
          payload: handlerButton.write({ complaint: c.id, action: 'resolve', version: c.version }),
        },
      ],
      true,
      c.org_id,
    );
  }

  private reporterText(
    c: ComplaintRow,
    type: string,
    category: string,
    note?: string | null,
  ): { text: string; choices?: Choice[] } | null {
    switch (type) {
      case 'accept':
        return { text: `您的报事 ${c.number}（${category}）已受理，正在处理。` };
      case 'start':
        return { text: `您的报事 ${c.number} 已开始处理。` };
      case 'resolve':
        return {
          text: `您的报事 ${c.number} 已处理完毕，请您评价。`,
          choices: [{ label: '评价', payload: ratingButton.write({ complaint: c.id }) }],
        };
      case 'reject':
        return { text: `您的报事 ${c.number} 未被受理，原因：${note ?? '未说明'}。如有异议可以申诉。` };
      case 'escalate':
      case 'reopened_escalated':
        return { text: `您的报事 ${c.number} 已转交${LEVEL_ZH[c.level]}处理。` };
      case 'close':
        return { text: `您的报事 ${c.number} 已办结，谢谢您的反馈。` };
      default:
        return null;
    }
  }

  private async toReporter(c: ComplaintRow, text: string, key: string, choices?: Choice[]) {
    if (!c.reporter_id) return;
    const rows = await identitiesOf(this.db, c.reporter_id);
    const channel = (rows.find((r) => r.channel === c.channel) ?? rows[0])?.channel;
    const identity = rows.find((r) => r.channel === channel);
    if (!identity) return;
    const person = { externalId: identity.external_id, displayName: identity.display_name ?? '' };
    // A WeChat account reaches privately only its friends, so a reporter from a group hears back in
    // that group. An anonymous reporter is not @-mentioned there, and the notice does not address
    // them ("您的"): the group sees a complaint number move on, never whose it is (the filing flow
    // promises "群里…看不到您的名字"); the reporter knows their number.
    const inGroup = identity.channel === 'wechat' && c.chat_external_id;
    const message: OutboundMessage = !inGroup
      ? { chat: { externalId: identity.external_id, kind: 'private' }, text, choices }
      : c.anonymous
        ? {
            chat: { externalId: c.chat_external_id!, kind: 'group' },
            text: text.replace(/^您的报事/, '报事'),
            choices,
          }
        : { chat: { externalId: c.chat_external_id!, kind: 'group' }, text, choices, mention: person };
    await this.outbox.enqueue({
      channel: identity.channel,
      message,
      idempotencyKey: key,
      orgId: c.org_id,
      personId: c.reporter_id,
    });
  }

  private async toHandlers(
    orgId: number,
    text: string,
    key: string,
    choices: Choice[],
    urgent: boolean,
    scopeOrgId: number,
    /** when the category names a role and someone reachable holds it, only they hear of it */
    firstRole: string | null = null,
  ) {
    const find = (roles: string[]) => roleHolderAddresses(this.db, orgId, roles);
    let rows: HandlerAddress[] = firstRole ? await find([firstRole]) : [];
    if (rows.length === 0) rows = await find(HANDLER_ROLES);
    for (const r of rows) {
      await this.outbox.enqueue({
        channel: r.channel,
        message: {
          chat: { externalId: r.external_id, kind: 'private' },
          text,
          choices: choices.length ? choices : undefined,
        },
        idempotencyKey: `${key}-${r.person_id}`,
        urgent,
        orgId: scopeOrgId,
        personId: r.person_id,
      });
    }
  }

  private async toResidents(c: ComplaintRow, text: string, key: string) {
    for (const r of await residentsGroups(this.db, c.org_id)) {
      await this.outbox.enqueue({
        channel: r.channel,
        message: { chat: { externalId: r.external_chat_id, kind: 'group' }, text },
        idempotencyKey: `${key}-${r.channel}-${r.external_chat_id}`,
        orgId: c.org_id,
      });
    }
  }

  /** The role that handles the complaint's category first at the compound (nearest setting wins). */
  private async firstRole(c: ComplaintRow): Promise<string | null> {
    return (await categoryRole(this.db, c.org_id, c.category)) ?? DEFAULT_FIRST_ROLE[c.category] ?? null;
  }

  private async categoryLabel(c: ComplaintRow): Promise<string> {
    return (await categoriesFor(this.db, c.org_id)).find((x) => x.code === c.category)?.zh ?? c.category;
  }

  private async levelOrgBelow(c: ComplaintRow): Promise<number | null> {
    return previousLevelOrg(this.db, c.id, c.level_org_id);
  }
}
