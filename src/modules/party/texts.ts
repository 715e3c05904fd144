import type { Locale } from '../../flows/flow-schema.js';
import { commitmentLabel } from './commitments.js';

/**
 * What the party module says outside its flows (task messages, registrations and their decision,
 * the January check-in, the answers to its buttons), in Simplified Chinese (the default) and
 * English. Every one of them goes to one person and is rendered in their locale (`people.locale`);
 * the party module writes to no group. Task and person names are shown as entered.
 */

export interface TaskSubject {
  title: string;
  description: string;
  place: string;
  /** the due time, formatted (task-texts.ts `fmt`) */
  due: string;
}

type Texts = {
  buttons: { accept: string; decline: string; done: string; approve: string; reject: string };
  invite: (t: TaskSubject, volunteers: number | null) => string;
  accepted: (title: string) => string;
  remind: (t: TaskSubject) => string;
  unaccepted: (t: TaskSubject, slots: number, taken: number, waiting: string[]) => string;
  overdue: (t: TaskSubject, slots: number, taken: number, unfinished: string[]) => string;
  cancelled: (title: string) => string;
  registration: (r: {
    name: string;
    branch: string;
    compound: string;
    commitments: string[];
    own: string[];
  }) => string;
  approved: string;
  rejected: (reason: string | null) => string;
  checkin: (r: {
    name: string;
    commitments: string[];
    own: string[];
    lastYear: number;
    tasks: number;
    hours: string;
  }) => string;
  chat: {
    onlySecretary: string;
    registrationGone: string;
    alreadyDecided: string;
    decided: (name: string, decision: 'approve' | 'reject') => string;
    acceptedReply: (title: string) => string;
    declinedReply: (title: string) => string;
    notYours: string;
  };
};

const zh: Texts = {
  buttons: { accept: '接受', decline: '婉拒', done: '完成任务', approve: '通过', reject: '不通过' },
  invite: (t, volunteers) =>
    `${volunteers === null ? '【新任务】' : `【志愿者招募】需要 ${volunteers} 人，先到先得。`}${t.title}\n${
      t.description ? `${t.description}\n` : ''
    }${t.place ? `地点：${t.place}\n` : ''}截止：${t.due}`,
  accepted: (title) => `已为您登记任务「${title}」。完成后请点「完成任务」，写下情况并拍一张照片。`,
  remind: (t) =>
    `【任务提醒】${t.title} 将于 ${t.due} 截止${t.place ? `，地点：${t.place}` : ''}。完成后请点「完成任务」。`,
  unaccepted: (t, slots, taken, waiting) =>
    `【任务无人接】${t.title}（截止 ${t.due}）需要 ${slots} 人，已接 ${taken} 人。${
      waiting.length ? `未接：${waiting.join('、')}。` : ''
    }请协调。`,
  overdue: (t, slots, taken, unfinished) =>
    `【任务逾期】${t.title} 已过截止时间 ${t.due}。${unfinished.length ? `未完成：${unfinished.join('、')}。` : ''}${
      taken < slots ? `名额 ${slots}，只接了 ${taken} 人。` : ''
    }请督促。`,
  cancelled: (title) => `【任务取消】${title} 已取消，无需再处理。`,
  registration: (r) =>
    [
      `【党员报到】${r.name}（${r.branch}）申请到 ${r.compound} 报到。`,
      '承诺事项：',
      ...r.commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c, 'zh-CN')}`),
      ...r.own.map((o) => `· 自选：${o}`),
      '请审核。',
    ].join('\n'),
  approved: '您的党员报到已审核通过，欢迎参与小区服务！社区发布任务时会私信通知您。',
  rejected: (reason) =>
    `您的党员报到未通过审核${reason ? `，原因：${reason}` : ''}。如有疑问请联系小区党支部。`,
  checkin: (r) =>
    [
      `【年度承诺践诺】${r.name}同志，新年好！请对照去年的承诺，向小区党支部汇报履行情况：`,
      ...r.commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c, 'zh-CN')}`),
      ...r.own.map((o) => `· 自选：${o}`),
      `${r.lastYear}年您完成任务 ${r.tasks} 项，服务 ${r.hours} 小时。`,
    ].join('\n'),
  chat: {
    onlySecretary: '只有该小区的党支部书记可以审核党员报到。',
    registrationGone: '这条报到申请已不存在。',
    alreadyDecided: '这条报到申请已经审核过了，无需重复操作。',
    decided: (name, d) => `已${d === 'approve' ? '通过' : '驳回'} ${name} 的党员报到。`,
    acceptedReply: (title) => `好的，「${title}」算您一个，谢谢！`,
    declinedReply: (title) => `好的，已记下您不参加「${title}」。`,
    notYours: '这个任务不是派给您的。',
  },
};

const en: Texts = {
  buttons: { accept: 'Accept', decline: 'Decline', done: 'Done', approve: 'Approve', reject: 'Reject' },
  invite: (t, volunteers) =>
    `${volunteers === null ? '[New task] ' : `[Volunteers wanted] ${volunteers} needed, first come first served. `}${
      t.title
    }\n${t.description ? `${t.description}\n` : ''}${t.place ? `Place: ${t.place}\n` : ''}Due: ${t.due}`,
  accepted: (title) =>
    `You are down for “${title}”. When it is done, press “Done”, say how it went and send a photo.`,
  remind: (t) =>
    `[Task reminder] ${t.title} is due ${t.due}${t.place ? `, at ${t.place}` : ''}. Press “Done” when it is done.`,
  unaccepted: (t, slots, taken, waiting) =>
    `[Task not taken] ${t.title} (due ${t.due}) needs ${slots}, ${taken} took it. ${
      waiting.length ? `Not answered: ${waiting.join(', ')}. ` : ''
    }Please follow up.`,
  overdue: (t, slots, taken, unfinished) =>
    `[Task overdue] ${t.title} was due ${t.due}. ${unfinished.length ? `Not finished: ${unfinished.join(', ')}. ` : ''}${
      taken < slots ? `${slots} places, only ${taken} taken. ` : ''
    }Please follow up.`,
  cancelled: (title) => `[Task cancelled] ${title} was cancelled; nothing more to do.`,
  registration: (r) =>
    [
      `[Party member registration] ${r.name} (${r.branch}) asks to report to ${r.compound}.`,
      'Commitments:',
      ...r.commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c, 'en')}`),
      ...r.own.map((o) => `· Own: ${o}`),
      'Please approve or reject.',
    ].join('\n'),
  approved:
    'Your party member registration was approved. Welcome! You will hear from us privately when the community posts a task.',
  rejected: (reason) =>
    `Your party member registration was not approved${reason ? `. Reason: ${reason}` : ''}. Ask the compound’s party branch if you have questions.`,
  checkin: (r) =>
    [
      `[Yearly commitments] Happy New Year, ${r.name}! Please report to the compound’s party branch on last year’s commitments:`,
      ...r.commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c, 'en')}`),
      ...r.own.map((o) => `· Own: ${o}`),
      `In ${r.lastYear} you completed ${r.tasks} task(s) and served ${r.hours} hours.`,
    ].join('\n'),
  chat: {
    onlySecretary: 'Only the party secretary of this compound can decide on registrations.',
    registrationGone: 'This registration no longer exists.',
    alreadyDecided: 'This registration was already decided.',
    decided: (name, d) => `${d === 'approve' ? 'Approved' : 'Rejected'} the registration of ${name}.`,
    acceptedReply: (title) => `Thank you, you are in for “${title}”!`,
    declinedReply: (title) => `OK, noted that you will not take part in “${title}”.`,
    notYours: 'This task was not sent to you.',
  },
};

export function partyTexts(locale: Locale | string | null | undefined): Texts {
  return locale === 'en' ? en : zh;
}
