import type { Locale } from '../../flows/flow-schema.js';
import { CHINA_TIME_ZONE, type Wall, wallOf } from '../../kernel/time/zone.js';
import type { ComplaintStatus, HandlerRole, Level } from './lifecycle.js';

/**
 * What the complaints module says outside its flows (notices of the closed loop, the handlers'
 * button answers), in Simplified Chinese (the default) and English. Each notice is rendered in its
 * recipient's locale (`people.locale`); a notice to a group is rendered in `GROUP_LOCALE`.
 */

export { GROUP_LOCALE } from '../../kernel/chat/texts.js';

/** What a complaint notice needs to name the complaint. */
export interface NoticeSubject {
  number: string;
  /** the category's label in the notice's locale */
  category: string;
  building: string | null;
  description: string;
  level: Level;
  status: ComplaintStatus;
}

type Texts = {
  status: Record<ComplaintStatus, string>;
  level: Record<Level, string>;
  commonArea: string;
  buttons: {
    accept: string;
    grab: string;
    note: string;
    resolve: string;
    rate: string;
    transfer: string;
    return: string;
  };
  /** a handler role as a person names it */
  role: Record<HandlerRole, string>;
  /** the deep links of a notice that reached someone in a group instead of privately (Telegram) */
  links: { ratePrivately: string; openPrivate: string };
  /** why someone could not be reached privately (SEND_REFUSAL codes), for colleagues and the timeline */
  refusal: (code: string | undefined) => string;
  /** to the other handlers of a level: a colleague the bot cannot reach */
  handlerUnreachable: (c: NoticeSubject, name: string, why: string) => string;
  /** to the reporter; `addressed` false: said in a group without naming whose it is */
  reporter: {
    accept: (c: NoticeSubject, addressed: boolean) => string;
    start: (c: NoticeSubject, addressed: boolean) => string;
    resolve: (c: NoticeSubject, addressed: boolean) => string;
    reject: (c: NoticeSubject, addressed: boolean, reason: string | null) => string;
    escalate: (c: NoticeSubject, addressed: boolean) => string;
    close: (c: NoticeSubject, addressed: boolean) => string;
  };
  /** to the handlers of the level it arrived at */
  handlers: (c: NoticeSubject, kind: 'submitted' | 'forwarded' | 'overdue') => string;
  /** to the handlers of the level it left */
  escalatedAway: (c: NoticeSubject) => string;
  /**
   * before a breach: to whoever must act (`supervising` false: the assignee or the level's
   * handlers) and to the next level's handlers (`supervising` true); `due` as China time
   */
  warning: (c: NoticeSubject, stage: 'ack' | 'resolve', due: Date, supervising: boolean) => string;
  /** to the other handlers of the level: someone took it (dispatch mode grab) */
  grabbed: (c: NoticeSubject, name: string) => string;
  /** to the person it was assigned to */
  assigned: (c: NoticeSubject) => string;
  /** transfer: to the person it was handed to, or to the holders of the role (`role` set); `by` who moved it */
  transferred: (c: NoticeSubject, by: string, note: string | null, role: string | null) => string;
  /** transfer or return: to who had it before, when someone else moved it */
  takenAway: (c: NoticeSubject, by: string, to: string | null) => string;
  /** return: to the level's handlers (the dispatch), with the reason */
  returned: (c: NoticeSubject, by: string, reason: string | null) => string;
  /** the nth reminder of a complaint overdue at the city level */
  overdueReminder: (c: NoticeSubject, days: number) => string;
  /** the residents' groups' progress notice: never the reporter */
  progress: (c: NoticeSubject, escalated: boolean) => string;
  /** the caption of a photo sent after a notice: the resident's (scene) or the handler's (done), i of n */
  photo: (number: string, whose: 'scene' | 'done', i: number, n: number) => string;
  /** the transfer and return conversations (their flows' actions) */
  transfer: {
    /** a role as a transfer target: any of its holders takes it on */
    anyOf: (role: string) => string;
    notOpen: string;
    nobody: string;
    pick: (count: number) => string;
    notAssigned: string;
  };
  /** the answers to a handler's button press */
  chat: {
    notHandler: string;
    done: (number: string, action: 'accept' | 'grab' | 'start' | 'resolve') => string;
    /** a 抢单 pressed after someone else took it */
    taken: (number: string, name: string) => string;
    gone: string;
    changed: string;
  };
};

const place = (c: NoticeSubject, t: { commonArea: string }) => c.building || t.commonArea;

/** A deadline as a notice names it, China time: 12月7日 20:00, 7 Dec 20:00. */
const hhmm = (w: Wall) => `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
const zhTime = (d: Date) => {
  const w = wallOf(d, CHINA_TIME_ZONE);
  return `${w.month}月${w.day}日 ${hhmm(w)}`;
};
const EN_MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const enTime = (d: Date) => {
  const w = wallOf(d, CHINA_TIME_ZONE);
  return `${w.day} ${EN_MONTHS[w.month - 1]} ${hhmm(w)}`;
};

const zhStatus: Record<ComplaintStatus, string> = {
  submitted: '已提交',
  accepted: '已受理',
  in_progress: '处理中',
  resolved: '已处理',
  closed: '已办结',
  rejected: '未受理',
  reopened: '重新处理',
  withdrawn: '已撤回',
};
const zhLevel: Record<Level, string> = {
  compound: '小区',
  community: '社区',
  subdistrict: '街道',
  district: '区县',
  city: '市级',
};
const zhWhose = (addressed: boolean) => (addressed ? '您的报事' : '报事');

const zh: Texts = {
  status: zhStatus,
  level: zhLevel,
  commonArea: '公共区域',
  buttons: {
    accept: '受理',
    grab: '抢单',
    note: '补充说明',
    resolve: '已处理',
    rate: '评价',
    transfer: '转办',
    return: '退回',
  },
  role: { handler: '处理人员', grid_worker: '网格员', property_manager: '物业经理' },
  links: {
    ratePrivately: '私聊评价',
    openPrivate: '私聊机器人，以后直接收到通知',
  },
  refusal: (code) =>
    ({
      not_started: '还没有和机器人开始私聊',
      blocked: '屏蔽了机器人',
      deactivated: '账号已注销',
      not_friend: '还不是机器人的微信好友',
    })[code ?? ''] ?? '消息发送失败',
  handlerUnreachable: (c, name, why) =>
    `【处理人联系不上】${name} 收不到报事 ${c.number}（${c.category} · ${place(c, zh)}）的通知：${why}。请转告 TA，或由您先受理。`,
  reporter: {
    accept: (c, a) => `${zhWhose(a)} ${c.number}（${c.category}）已受理，正在处理。`,
    start: (c, a) => `${zhWhose(a)} ${c.number} 已开始处理。`,
    resolve: (c, a) => `${zhWhose(a)} ${c.number} 已处理完毕，请您评价。`,
    reject: (c, a, reason) =>
      `${zhWhose(a)} ${c.number} 未被受理，原因：${reason ?? '未说明'}。如有异议可以申诉。`,
    escalate: (c, a) => `${zhWhose(a)} ${c.number} 已转交${zhLevel[c.level]}处理。`,
    close: (c, a) => `${zhWhose(a)} ${c.number} 已办结，谢谢您的反馈。`,
  },
  handlers: (c, kind) =>
    `${{ submitted: '【新报事】', forwarded: '【转办报事】', overdue: '【报事超时】' }[kind]}${c.number} · ${
      c.category
    } · ${place(c, zh)}\n${c.description}\n${kind === 'overdue' ? '已超过市级处理时限，请尽快办理。' : '请尽快受理。'}`,
  escalatedAway: (c) => `【报事升级】${c.number} · ${c.category} 已超时，已升级至${zhLevel[c.level]}处理。`,
  warning: (c, stage, due, supervising) =>
    supervising
      ? `【即将超时·督办】${c.number} · ${c.category} · ${place(c, zh)} 在${zhLevel[c.level]}的${
          stage === 'ack' ? '受理' : '办结'
        }时限为 ${zhTime(due)}，至今仍未${stage === 'ack' ? '受理' : '办结'}。超时后将升级到您这一级，请督促办理。`
      : `【即将超时】${c.number} · ${c.category} · ${place(c, zh)}\n${c.description}\n${
          stage === 'ack' ? '受理' : '办结'
        }时限为 ${zhTime(due)}，请在此之前${stage === 'ack' ? '受理' : '处理完毕'}，否则将升级到上一级。`,
  grabbed: (c, name) =>
    `【已接单】${c.number} · ${c.category} · ${place(c, zh)} 已由 ${name} 接单，您无需处理。`,
  assigned: (c) =>
    `【分派给您】${c.number} · ${c.category} · ${place(c, zh)}\n${c.description}\n请尽快处理。`,
  transferred: (c, by, note, role) =>
    `${role ? `【转办·${role}】` : '【转办给您】'}${c.number} · ${c.category} · ${place(c, zh)}（${zhStatus[c.status]}）\n${
      c.description
    }\n由 ${by} 转来${note ? `，说明：${note}` : ''}。${role ? '请接手处理。' : '请尽快处理。'}`,
  takenAway: (c, by, to) =>
    `【报事已转出】${c.number} · ${c.category} · ${place(c, zh)} 已由 ${by} ${to ? `转给 ${to}` : '退回派单'}，您无需再处理。`,
  returned: (c, by, reason) =>
    `【退回派单】${c.number} · ${c.category} · ${place(c, zh)}（${zhStatus[c.status]}）\n${c.description}\n${by} 退回，原因：${
      reason ?? '未说明'
    }。请重新派单或接手处理。`,
  overdueReminder: (c, days) =>
    `【报事超时提醒】${c.number} · ${c.category} · ${place(c, zh)}\n${c.description}\n已超过${
      zhLevel[c.level]
    }处理时限约 ${days} 天，仍未办结，请尽快办理。`,
  progress: (c, escalated) =>
    `【报事进展】${c.category} · ${place(c, zh)} · ${escalated ? `已转${zhLevel[c.level]}` : zhStatus[c.status]}`,
  photo: (number, whose, i, n) =>
    `报事 ${number} 的${whose === 'scene' ? '现场' : '处理后'}照片${n > 1 ? `（${i}/${n}）` : ''}`,
  transfer: {
    anyOf: (role) => `${role}（岗位，由任一${role}接手）`,
    notOpen: '这条报事已经办结或关闭，不能转办或退回。',
    nobody: '没有可以转给的人：这一级和上级都没有其他处理人员。',
    pick: (count) => `请回复列表中的编号（1–${count}），或对方的姓名。`,
    notAssigned: '这条报事目前没有人接手，不需要退回。',
  },
  chat: {
    notHandler: '您不是这条报事当前层级的处理人员。',
    done: (number, action) =>
      `报事 ${number} ${{ accept: '已受理', grab: '已由您接单并受理', start: '已开始处理', resolve: '已标记为处理完毕' }[action]}。`,
    taken: (number, name) => `报事 ${number} 已由 ${name} 接单。`,
    gone: '这条报事已不存在。',
    changed: '这条报事的状态已经变了（可能别人已处理），请查看最新通知。',
  },
};

const enStatus: Record<ComplaintStatus, string> = {
  submitted: 'submitted',
  accepted: 'accepted',
  in_progress: 'in progress',
  resolved: 'resolved',
  closed: 'closed',
  rejected: 'not accepted',
  reopened: 'reopened',
  withdrawn: 'withdrawn',
};
const enLevel: Record<Level, string> = {
  compound: 'the compound',
  community: 'the community',
  subdistrict: 'the subdistrict',
  district: 'the district',
  city: 'the city',
};
const enWhose = (addressed: boolean) => (addressed ? 'Your report' : 'Report');

const en: Texts = {
  status: enStatus,
  level: enLevel,
  commonArea: 'common area',
  buttons: {
    accept: 'Accept',
    grab: 'Take it',
    note: 'Add a note',
    resolve: 'Resolved',
    rate: 'Rate',
    transfer: 'Transfer',
    return: 'Return',
  },
  role: { handler: 'handler', grid_worker: 'grid worker', property_manager: 'property manager' },
  links: {
    ratePrivately: 'Rate it privately',
    openPrivate: 'Message the bot to get notices directly',
  },
  refusal: (code) =>
    ({
      not_started: 'has not started a private chat with the bot',
      blocked: 'has blocked the bot',
      deactivated: 'the account is deleted',
      not_friend: 'is not yet a WeChat friend of the bot',
    })[code ?? ''] ?? 'the message could not be sent',
  handlerUnreachable: (c, name, why) =>
    `[Handler unreachable] ${name} cannot get the notices of report ${c.number} (${c.category} · ${place(c, en)}): ${why}. Please tell them, or accept it yourself.`,
  reporter: {
    accept: (c, a) => `${enWhose(a)} ${c.number} (${c.category}) was accepted and is being handled.`,
    start: (c, a) => `${enWhose(a)} ${c.number} is being worked on.`,
    resolve: (c, a) => `${enWhose(a)} ${c.number} has been resolved. Please rate how it was handled.`,
    reject: (c, a, reason) =>
      `${enWhose(a)} ${c.number} was not accepted. Reason: ${reason ?? 'none given'}. You may appeal.`,
    escalate: (c, a) => `${enWhose(a)} ${c.number} was passed on to ${enLevel[c.level]}.`,
    close: (c, a) => `${enWhose(a)} ${c.number} is closed. Thank you for reporting it.`,
  },
  handlers: (c, kind) =>
    `${{ submitted: '[New report] ', forwarded: '[Report passed on] ', overdue: '[Report overdue] ' }[kind]}${
      c.number
    } · ${c.category} · ${place(c, en)}\n${c.description}\n${
      kind === 'overdue' ? 'It is past the city’s deadline: please handle it now.' : 'Please accept it soon.'
    }`,
  escalatedAway: (c) =>
    `[Report escalated] ${c.number} · ${c.category} missed its deadline and went up to ${enLevel[c.level]}.`,
  warning: (c, stage, due, supervising) =>
    supervising
      ? `[Deadline near · supervision] ${c.number} · ${c.category} · ${place(c, en)} must be ${
          stage === 'ack' ? 'accepted' : 'resolved'
        } at ${enLevel[c.level]} by ${enTime(due)} (China time) and is not yet. If it is not, it comes up to your level: please follow it up.`
      : `[Deadline near] ${c.number} · ${c.category} · ${place(c, en)}\n${c.description}\nIt must be ${
          stage === 'ack' ? 'accepted' : 'resolved'
        } by ${enTime(due)} (China time), or it goes up to the next level.`,
  grabbed: (c, name) =>
    `[Taken] ${c.number} · ${c.category} · ${place(c, en)} was taken by ${name}: nothing for you to do.`,
  assigned: (c) =>
    `[Assigned to you] ${c.number} · ${c.category} · ${place(c, en)}\n${c.description}\nPlease handle it soon.`,
  transferred: (c, by, note, role) =>
    `${role ? `[Transferred · ${role}] ` : '[Transferred to you] '}${c.number} · ${c.category} · ${place(c, en)} (${
      enStatus[c.status]
    })\n${c.description}\nFrom ${by}${note ? `: ${note}` : ''}. ${role ? 'Please take it on.' : 'Please handle it soon.'}`,
  takenAway: (c, by, to) =>
    `[Report moved] ${c.number} · ${c.category} · ${place(c, en)} was ${
      to ? `transferred to ${to}` : 'returned to dispatch'
    } by ${by}: nothing more for you to do.`,
  returned: (c, by, reason) =>
    `[Returned to dispatch] ${c.number} · ${c.category} · ${place(c, en)} (${enStatus[c.status]})\n${
      c.description
    }\n${by} returned it. Reason: ${reason ?? 'none given'}. Please dispatch it again or take it on.`,
  overdueReminder: (c, days) =>
    `[Overdue report] ${c.number} · ${c.category} · ${place(c, en)}\n${c.description}\nAbout ${days} day(s) past the deadline of ${
      enLevel[c.level]
    } and still open: please handle it now.`,
  progress: (c, escalated) =>
    `[Report update] ${c.category} · ${place(c, en)} · ${escalated ? `passed on to ${enLevel[c.level]}` : enStatus[c.status]}`,
  photo: (number, whose, i, n) =>
    `Report ${number}: ${whose === 'scene' ? 'the photo sent with it' : 'after the work'}${n > 1 ? ` (${i}/${n})` : ''}`,
  transfer: {
    anyOf: (role) => `${role} (the role: any of them takes it on)`,
    notOpen: 'This report is settled or closed: it cannot be transferred or returned.',
    nobody: 'There is nobody to transfer it to: no other handler at this level or above.',
    pick: (count) => `Please reply with a number from the list (1–${count}) or the person's name.`,
    notAssigned: 'Nobody has this report: there is nothing to return.',
  },
  chat: {
    notHandler: 'You do not handle this report at its current level.',
    done: (number, action) =>
      `Report ${number} ${{ accept: 'accepted', grab: 'is yours: taken and accepted', start: 'started', resolve: 'marked as resolved' }[action]}.`,
    taken: (number, name) => `Report ${number} was already taken by ${name}.`,
    gone: 'This report no longer exists.',
    changed: 'This report has changed (someone may have handled it already); see the latest notice.',
  },
};

export function complaintTexts(locale: Locale | string | null | undefined): Texts {
  return locale === 'en' ? en : zh;
}
