import type { Locale } from '../../flows/flow-schema.js';
import { CHINA_TIME_ZONE } from '../../kernel/time/zone.js';
import type { ProposalRow } from './repository.js';

/** What the bot says about votes, zh-CN first and English too. */
const RULE: Record<string, Record<Locale, string>> = {
  simple: { 'zh-CN': '简单多数（得票最多者）', en: 'simple majority (most votes)' },
  'art278-ordinary': {
    'zh-CN': '民法典第278条一般事项：参与面积和人数均须达三分之二，同意须超过参与面积和人数的一半',
    en: 'Civil Code Art. 278, ordinary matter: two thirds of area and owners must take part; yes needs more than half of both',
  },
  'art278-major': {
    'zh-CN': '民法典第278条重大事项：参与面积和人数均须达三分之二，同意须达参与面积和人数的四分之三',
    en: 'Civil Code Art. 278, major matter: two thirds of area and owners must take part; yes needs three quarters of both',
  },
};

export function when(d: Date): string {
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: CHINA_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export type Turnout = {
  area: { total: string; participating: string; pct: string };
  owners: { total: number; participating: number; pct: string };
};

/**
 * Where a secret ballot is cast: only in the owner's private chat with the bot. The link a group
 * message carries there (Telegram: a deep link sending `/start vote-<id>`; WeChat: "send me
 * 投票 <id> privately"). The payload fits Telegram's /^[A-Za-z0-9_-]{1,64}$/.
 */
export function privateBallotLink(p: Pick<ProposalRow, 'id'>, locale: Locale = 'zh-CN') {
  return {
    label: locale === 'en' ? 'Vote privately' : '私聊投票',
    payload: `vote-${p.id}`,
    command: `投票 ${p.id}`,
  };
}

/**
 * The ballot log's head at opening, published with the announcement: the chain is empty, so its
 * head is the genesis (64 zeros); the head at the close comes with the result.
 */
const LOG_AT_OPENING = `投票记录：每张票写入链式哈希记录，可公开核验；现为空链，链头哈希为 64 个 0（0000…0000），截止时公布末条哈希。`;

export const voteTexts = {
  announce(p: ProposalRow, numbered: boolean): string {
    if (p.secret) return voteTexts.announceSecret(p);
    const lines = [
      `【业主表决】#${p.id} ${p.title}`,
      p.body ? p.body : null,
      `规则：${RULE[p.rule]!['zh-CN']}`,
      `截止：${when(p.closes_at)}${p.secret ? '（不记名投票，结果截止后公布）' : ''}`,
      numbered
        ? `${p.options.map((o, i) => `${i + 1}. ${o}`).join('\n')}\n请回复「投票 ${p.id} 序号」，例如「投票 ${p.id} 1」；截止前可以改票，以最后一次为准。`
        : '请点击下方按钮投票；截止前可以改票，以最后一次为准。也可私聊本机器人发送 /vote。',
      LOG_AT_OPENING,
      `Owners' vote #${p.id}: ${p.title} — ${RULE[p.rule]!.en}; closes ${when(p.closes_at)} (UTC+8).`,
    ];
    return lines.filter(Boolean).join('\n');
  },
  /** A secret ballot's announcement: the options for reading, the vote only in private. */
  announceSecret(p: ProposalRow): string {
    const lines = [
      `【业主表决】#${p.id} ${p.title}`,
      p.body ? p.body : null,
      `规则：${RULE[p.rule]!['zh-CN']}`,
      `截止：${when(p.closes_at)}（不记名投票，结果截止后公布）`,
      `选项：${p.options.map((o, i) => `${i + 1}. ${o}`).join(' ')}`,
      `不记名投票只在私聊中进行，群里投的票不会被记录。请私聊本机器人投票；截止前可以改票，以最后一次为准。`,
      LOG_AT_OPENING,
      `Owners' vote #${p.id}: ${p.title} — ${RULE[p.rule]!.en}; closes ${when(p.closes_at)} (UTC+8). Secret ballot: vote in a private chat with the bot.`,
    ];
    return lines.filter(Boolean).join('\n');
  },
  /** A vote on a secret ballot typed or pressed in a group: nothing is recorded, the choice is not repeated. */
  secretInGroup(p: Pick<ProposalRow, 'id' | 'title'>): { 'zh-CN': string; en: string } {
    return {
      'zh-CN': `#${p.id}「${p.title}」是不记名投票，群里投的票不会被记录。请私聊本机器人投票。`,
      en: `#${p.id} "${p.title}" is a secret ballot: votes in the group are not recorded. Vote in a private chat with the bot.`,
    };
  },
  /** The ballot shown in the private chat: the options follow as buttons (numbered on WeChat). */
  ballot(p: ProposalRow, locale: Locale): string {
    const secret = p.secret
      ? locale === 'en'
        ? 'Secret ballot: the tally is shown at closing.'
        : '不记名投票：票数截止后公布。'
      : null;
    const lines =
      locale === 'en'
        ? [
            `Owners' vote #${p.id}: ${p.title}`,
            p.body || null,
            `Closes ${when(p.closes_at)} (UTC+8).`,
            secret,
            'Choose your vote (you may change it until closing; the last one counts):',
          ]
        : [
            `业主表决 #${p.id} ${p.title}`,
            p.body || null,
            `截止：${when(p.closes_at)}`,
            secret,
            '请选择（截止前可以改票，以最后一次为准）：',
          ];
    return lines.filter(Boolean).join('\n');
  },
  turnoutLine(t: Turnout, locale: Locale = 'zh-CN'): string {
    return locale === 'en'
      ? `Turnout: ${t.area.pct}% of the area (${t.area.participating}/${t.area.total} m²), ${t.owners.pct}% of the owners (${t.owners.participating}/${t.owners.total})`
      : `当前参与：面积 ${t.area.pct}%（${t.area.participating}/${t.area.total} ㎡），人数 ${t.owners.pct}%（${t.owners.participating}/${t.owners.total} 人）`;
  },
  tallyLine(options: { option: string; owners: number; area: string }[]): string {
    return options.map((o) => `${o.option} ${o.owners} 人 / ${o.area} ㎡`).join('；');
  },
  voted(
    p: ProposalRow,
    kind: 'cast' | 'changed' | 'same',
    option: string,
    receipt: string,
    locale: Locale,
    inGroup: boolean,
  ): string {
    // in a group a secret ballot's choice is not repeated
    const shown = p.secret && inGroup ? null : option;
    if (locale === 'en') {
      const what = kind === 'changed' ? 'Vote changed' : kind === 'same' ? 'Vote unchanged' : 'Vote recorded';
      return `${what}${shown ? `: ${shown}` : ''} (#${p.id}). Receipt code: ${receipt}`;
    }
    const what = kind === 'changed' ? '已改票' : kind === 'same' ? '您已投过这一项' : '已记录您的投票';
    return `${what}${shown ? `：${shown}` : ''}（#${p.id} ${p.title}）。回执码：${receipt}`;
  },
  result(p: ProposalRow): string {
    const r = p.result!;
    const head = `【表决结果】#${p.id} ${p.title}`;
    const axes = `参与：面积 ${r.area.participationPct}%（${r.area.participating}/${r.area.total} ㎡），人数 ${r.owners.participationPct}%（${r.owners.participating}/${r.owners.total} 人）`;
    const tally = r.options.map((o) => `${o.option}：${o.owners} 人，${o.area} ㎡`).join('\n');
    // the log's head, published where the database's operator cannot change it afterwards
    const log = r.log
      ? `投票记录共 ${r.log.entries} 条，末条哈希：${r.log.head}\n任何人可用 GET /api/v1/proposals/${p.id}/audit 下载记录、/audit/verify 核验（无需令牌）。`
      : null;
    return [head, r.reason['zh-CN'], axes, tally, log, r.reason.en].filter(Boolean).join('\n');
  },
  remind(p: ProposalRow, locale: Locale): string {
    if (p.secret)
      return locale === 'en'
        ? `Reminder: owners' vote #${p.id} "${p.title}" closes ${when(p.closes_at)} (UTC+8) and you have not voted yet. It is a secret ballot: send me "投票 ${p.id}" in a private chat.`
        : `提醒：业主表决 #${p.id}「${p.title}」将于 ${when(p.closes_at)} 截止，您还没有投票。这是不记名投票，请私聊我发送「投票 ${p.id}」。`;
    return locale === 'en'
      ? `Reminder: owners' vote #${p.id} "${p.title}" closes ${when(p.closes_at)} (UTC+8) and you have not voted yet. Send /vote ${p.id}.`
      : `提醒：业主表决 #${p.id}「${p.title}」将于 ${when(p.closes_at)} 截止，您还没有投票。发送 /vote ${p.id} 或在群里投票。`;
  },
  notOwner: {
    'zh-CN':
      '您不在本次表决的业主名册中：只有登记的业主（每套房屋由指定的投票人）可以投票。如有疑问请联系业主委员会。',
    en: 'You are not on the register of this vote: only registered owners (one named voter per unit) can vote. Ask the owners’ committee if this is wrong.',
  },
  notOpen: {
    'zh-CN': '这项表决现在不接受投票（尚未开始或已经截止）。',
    en: 'This vote is not taking ballots (not open yet, or closed).',
  },
  unknownOption(options: string[], locale: Locale): string {
    return locale === 'en'
      ? `That is not one of the options: ${options.map((o, i) => `${i + 1}. ${o}`).join(' ')}`
      : `没有这个选项，请从以下选项中选择：${options.map((o, i) => `${i + 1}. ${o}`).join(' ')}`;
  },
  noOpen: {
    'zh-CN': '本小区现在没有进行中的表决。',
    en: 'There is no open vote in this compound.',
  },
};
