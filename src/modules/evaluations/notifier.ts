import type { Choice } from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import { CHINA_TIME_ZONE } from '../../kernel/time/zone.js';
import { residentsGroups } from '../chats/index.js';
import { evaluationButton } from './callbacks.js';
import { rankingOf } from './queries/results.js';
import {
  campaignCompanyNames,
  campaignCompoundIds,
  committeeMembersOf,
  telegramResidentsOf,
} from './repository-audiences.js';
import type { CampaignRow, Notifier, Results, SubjectResult } from './schema.js';

/**
 * Who hears of a campaign (through the outbox, after COMMIT, idempotency key per campaign +
 * audience, so the reconciler may call again safely):
 * - at opening, every residents' group of its compounds: the criteria, the closing time, and how
 *   to start (a 参与评价 button `eval:<id>` on Telegram; on WeChat, which has no buttons in a
 *   broadcast, the keyword 物业评价); and privately on Telegram every owner and approved resident
 *   of a unit there (WeChat reaches them through the group: a bot writes privately only to friends);
 * - at closing, privately, each owners' committee member (role `committee_member` at a compound of
 *   the campaign): that compound's results, and the campaign's red and black lists.
 */
export const START_KEYWORD = '物业评价';

export class EvaluationNotifier implements Notifier {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  async announce(c: CampaignRow): Promise<void> {
    const compounds = await campaignCompoundIds(this.db, c.id);
    const companies = await campaignCompanyNames(this.db, c.id);
    const who = companies.join('、') || '物业';
    const criteria = c.criteria.map((k) => k.zh).join('、');
    const base = `【物业服务评价】${c.title}\n请每户为${who}的服务打分（1–5 分，5 分最好）：${criteria}，可附一句意见。\n截止时间：${shanghai(c.closes_at)}。每户一份，以第一份为准。`;
    const whoEn = companies.join(', ') || 'the property company';
    const baseEn = `[Property-service evaluation] ${c.title}\nPlease score ${whoEn} for your unit (1–5, 5 is best): ${c.criteria.map((k) => k.en).join(', ')}, with an optional comment.\nCloses ${shanghai(c.closes_at)} (Beijing time). One response per unit; the first counts.`;
    const button: Choice[] = [{ label: '参与评价', payload: evaluationButton.write({ campaign: c.id }) }];
    const buttonEn: Choice[] = [{ label: 'Take part', payload: evaluationButton.write({ campaign: c.id }) }];
    const groups = await residentsGroups(this.db, compounds);
    for (const g of groups) {
      const telegram = g.channel === 'telegram';
      await this.outbox.enqueue({
        channel: g.channel,
        message: {
          chat: { externalId: g.external_chat_id, kind: 'group' },
          text: telegram ? `${base}\n点「参与评价」开始。` : `${base}\n在群里发送「${START_KEYWORD}」开始。`,
          choices: telegram ? button : undefined,
        },
        idempotencyKey: `evaluation-${c.id}-open-${g.channel}-${g.external_chat_id}`,
        orgId: g.org_id,
      });
    }
    const people = await telegramResidentsOf(this.db, compounds);
    for (const p of people) {
      await this.outbox.enqueue({
        channel: 'telegram',
        message: {
          chat: { externalId: p.external_id, kind: 'private' },
          text:
            p.locale === 'en' ? `${baseEn}\nPress "Take part" to start.` : `${base}\n点「参与评价」开始。`,
          choices: p.locale === 'en' ? buttonEn : button,
        },
        idempotencyKey: `evaluation-${c.id}-open-person-${p.person_id}`,
        orgId: p.org_id,
        personId: p.person_id,
      });
    }
  }

  async report(c: CampaignRow, results: Results): Promise<void> {
    const lists = rankingOf(results, results.companies.length > 0 ? 'company' : 'compound');
    const line = (s: SubjectResult) => `${s.name} ${s.score ?? '—'}`;
    const red = lists.red.map((s) => `${s.rank}. ${line(s)}`).join('；') || '无';
    const black = lists.black.map((s) => `${s.rank}. ${line(s)}`).join('；') || '无';
    const w = results.weights;
    const rows = await committeeMembersOf(this.db, c.id);
    for (const r of rows) {
      const mine = results.compounds.find((x) => x.id === r.org_id)!;
      const means = results.criteria.map((k) => `${k.zh} ${mine.means[k.key] ?? '—'}`).join(' · ');
      const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);
      const text = [
        `【物业服务评价结果】${c.title}（已结束）`,
        `${mine.name}${mine.companyName ? `（${mine.companyName}）` : ''}：参与 ${mine.responses}/${mine.units} 户（${pct(mine.responseRate)}），平均 ${mine.overall ?? '—'}/5`,
        means,
        `报事按时办结率 ${pct(mine.onTime.rate)}，满意率 ${pct(mine.satisfaction.rate)}；综合得分 ${mine.score ?? '—'}（问卷 ${Math.round(w.survey * 100)}%、按时办结 ${Math.round(w.onTime * 100)}%、满意率 ${Math.round(w.satisfaction * 100)}%）`,
        `红榜：${red}`,
        `黑榜：${black}${lists.black.length ? '（建议业委会研究整改或更换）' : ''}`,
      ].join('\n');
      const en = [
        `[Property-service evaluation results] ${c.title} (closed)`,
        `${mine.name}${mine.companyName ? ` (${mine.companyName})` : ''}: ${mine.responses}/${mine.units} units answered (${pct(mine.responseRate)}), mean ${mine.overall ?? '—'}/5`,
        results.criteria.map((k) => `${k.en} ${mine.means[k.key] ?? '—'}`).join(' · '),
        `Complaints resolved on time ${pct(mine.onTime.rate)}, satisfaction ${pct(mine.satisfaction.rate)}; combined score ${mine.score ?? '—'} (survey ${Math.round(w.survey * 100)}%, on time ${Math.round(w.onTime * 100)}%, satisfaction ${Math.round(w.satisfaction * 100)}%)`,
        `Red list: ${lists.red.map((x) => `${x.rank}. ${line(x)}`).join('; ') || 'none'}`,
        `Black list: ${lists.black.map((x) => `${x.rank}. ${line(x)}`).join('; ') || 'none'}${lists.black.length ? ' (the committee may consider rectification or replacement)' : ''}`,
      ].join('\n');
      await this.outbox.enqueue({
        channel: r.channel,
        message: {
          chat: { externalId: r.external_id, kind: 'private' },
          text: r.locale === 'en' ? en : text,
        },
        idempotencyKey: `evaluation-${c.id}-report-${r.org_id}-${r.person_id}`,
        orgId: r.org_id,
        personId: r.person_id,
      });
    }
  }
}

function shanghai(d: Date): string {
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone: CHINA_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}
