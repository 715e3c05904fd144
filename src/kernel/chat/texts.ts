/**
 * What the bot says in the channel layer, in Simplified Chinese (default) and English.
 * Flow texts live with the flows; these are the few the channel layer itself needs.
 */
export type Locale = 'zh-CN' | 'en';

/**
 * The locale of a message to a group (a compound's residents' groups; an anonymous reporter's
 * notice in the WeChat group it was filed from). Chats and orgs carry no locale, so a group hears
 * Simplified Chinese. An anonymous reporter's notice must stay in it even when they read English:
 * a notice in their language would point at them.
 */
export const GROUP_LOCALE: Locale = 'zh-CN';

type Texts = {
  bound: (org: string, purpose: 'residents' | 'handlers') => string;
  /** after binding a Telegram group: what privacy mode lets the bot see */
  telegramPrivacyTip: string;
  bindUnknown: string;
  bindExpired: string;
  bindUsed: string;
  bindInPrivate: string;
  unboundGroup: string;
  help: string;
};

const zh: Texts = {
  bound: (org, purpose) => `绑定成功：本群现为「${org}」的${purpose === 'residents' ? '居民群' : '工作群'}。`,
  telegramPrivacyTip:
    '提示：请把我设为群管理员，我才能看到群里的普通消息；否则我只看得到 / 开头的命令和回复我的消息。',
  bindUnknown: '这个绑定码不对，请核对后重发，或请管理员重新生成。',
  bindExpired: '这个绑定码已过期，请管理员重新生成一个。',
  bindUsed: '这个绑定码已经用过了，每个绑定码只能用一次。请管理员重新生成。',
  bindInPrivate: '请在要绑定的群里发送「绑定 绑定码」，私聊不能绑定群。',
  unboundGroup:
    '您好，我是邻里助手。本群还没有绑定小区，暂时无法受理。请管理员在后台生成绑定码，然后在群里发送「绑定 绑定码」。',
  help: '我是邻里助手：发送「投诉」或「报事」反映问题，发送「取消」结束当前对话。Send “/language en” for English.',
};

const en: Texts = {
  bound: (org, purpose) =>
    `Done: this group is now the ${purpose === 'residents' ? "residents'" : "handlers'"} group of ${org}.`,
  telegramPrivacyTip:
    'Tip: make me an administrator of this group so that I can read its messages; otherwise I see only /commands and replies to me.',
  bindUnknown: 'That bind code is not right. Check it and send it again, or ask an admin for a new one.',
  bindExpired: 'That bind code has expired. Ask an admin for a new one.',
  bindUsed: 'That bind code was already used; each code works once. Ask an admin for a new one.',
  bindInPrivate: 'Send "/bind CODE" in the group you want to bind; a private chat cannot bind a group.',
  unboundGroup:
    'Hello, I\'m Linli. This group is not bound to a compound yet. An admin can create a bind code and send "/bind CODE" here.',
  help: 'I am Linli: send /complaint to report a problem, /cancel to stop the current conversation, /language zh for Chinese.',
};

export function texts(locale: Locale | string | undefined): Texts {
  return locale === 'en' ? en : zh;
}
