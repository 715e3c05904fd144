import type { Locale } from './flow-schema.js';

/** What the engine itself says, beside the flows' own texts. */
const zh = {
  cancelled: '好的，已取消。需要时再找我。',
  nothingToCancel: '当前没有进行中的对话。',
  timedOut: '这次对话太久没有回复，已自动结束。需要时请重新发起。',
  tooManyAttempts: '抱歉，几次都没能识别您的回答，这次先到这里。需要时请重新发起。',
  needPerson: '请先在小区居民群里发一句话，或联系网格员登记后再试。',
  /** an Official Account's follower: no residents' group of the account's to speak in */
  needPersonOa: '请先发送「认证 验证码」关联您的房屋（验证码由业主委员会按户发放），或联系网格员登记后再试。',
  failed: '抱歉，系统出了点问题，这次没能办成，请稍后再试。',
  staleButton: '这个按钮已失效，或不是发给您的。',
  reasons: {
    needText: '请用文字回答。',
    tooShort: (n: number) => `内容太短，至少要 ${n} 个字。`,
    tooLong: (n: number) => `内容太长，最多 ${n} 个字。`,
    pattern: '格式不对。',
    notNumber: '请回复一个数字。',
    notInteger: '请回复一个整数。',
    tooSmall: (n: number) => `不能小于 ${n}。`,
    tooLarge: (n: number) => `不能大于 ${n}。`,
    notChoice: (n: number) => `请从选项中选择（回复 1 到 ${n} 的数字）。`,
    tooFewChoices: (n: number) => `至少选 ${n} 项。`,
    tooManyChoices: (n: number) => `最多选 ${n} 项。`,
    needPhoto: '请发送一张照片。',
    notLocation: '请按「几栋几单元几室」回复，例如：3栋2单元501。',
    unknownLocation: '小区里没有找到这个房号，请核对后重发。',
    suggestLocation: (typed: string) => `小区登记册里没有 ${typed}，您是不是指下面的某一户？`,
    severalLocations: (typed: string) => `${typed} 对应登记册里的好几户，请选一户：`,
    notConfirm: '请回复「是」或「否」。',
  },
  multiHint: '可多选，用逗号分开，例如：1,3',
  skipHint: '（可回复「跳过」）',
  pickOrRetype: '选一户，或重新输入住址。',
  yes: '是',
  no: '否',
};

type EngineTexts = typeof zh;

const en: EngineTexts = {
  cancelled: 'OK, cancelled. Message me again any time.',
  nothingToCancel: 'There is no conversation to cancel.',
  timedOut: 'This conversation ended because there was no reply for a while. Start again any time.',
  tooManyAttempts:
    "Sorry, I couldn't understand the answer after several tries. Let's stop here; start again any time.",
  needPerson:
    'Please say something in your compound’s residents’ group first, or ask your grid worker to register you.',
  needPersonOa:
    'Please first send "认证 CODE" (the code the owners’ committee gave your unit) to link your home, or ask your grid worker to register you.',
  failed: 'Sorry, something went wrong on our side. Please try again later.',
  staleButton: 'That button has expired, or was not meant for you.',
  reasons: {
    needText: 'Please answer in text.',
    tooShort: (n) => `Too short: at least ${n} characters.`,
    tooLong: (n) => `Too long: at most ${n} characters.`,
    pattern: 'That is not in the expected format.',
    notNumber: 'Please reply with a number.',
    notInteger: 'Please reply with a whole number.',
    tooSmall: (n) => `It can't be less than ${n}.`,
    tooLarge: (n) => `It can't be more than ${n}.`,
    notChoice: (n) => `Please pick one of the options (reply a number from 1 to ${n}).`,
    tooFewChoices: (n) => `Pick at least ${n}.`,
    tooManyChoices: (n) => `Pick at most ${n}.`,
    needPhoto: 'Please send a photo.',
    notLocation: 'Please reply like "Building 3, unit 2, room 501" (3栋2单元501).',
    unknownLocation: 'No such unit in this compound; please check and send it again.',
    suggestLocation: (typed) => `${typed} is not in the compound's register. Did you mean one of these?`,
    severalLocations: (typed) => `${typed} fits several units of the register; please pick one:`,
    notConfirm: 'Please reply yes or no.',
  },
  multiHint: 'You can pick several, separated by commas, e.g. 1,3',
  skipHint: '(reply "skip" to skip)',
  pickOrRetype: 'Pick one, or type the address again.',
  yes: 'Yes',
  no: 'No',
};

export function engineTexts(locale: Locale): EngineTexts {
  return locale === 'en' ? en : zh;
}
