import { locale } from '../i18n';

/** The strings of editing people (create, edit, chat accounts, merge), Chinese first. */
const zh = {
  newPerson: '新建人员',
  editPerson: '修改',
  details: '详情',
  name: '姓名',
  phone: '电话',
  language: '消息语言',
  langZh: '中文',
  langEn: 'English',
  org: '登记组织',
  create: '创建',
  cancel: '取消',
  save: '保存',
  saved: '已保存',
  created: '已创建',
  required: '必填',
  identities: '聊天账号',
  addIdentity: '添加聊天账号',
  channel: '渠道',
  externalId: '账号 ID',
  externalIdHint: 'Telegram 用户 ID（数字）或微信 ID',
  displayName: '显示名称',
  identityAdded: '已添加聊天账号',
  roles: '角色',
  merge: '合并人员',
  mergeHint:
    '把另一条人员记录并入此人：其聊天账号、角色、房屋等全部转到此人，另一条记录不再使用。此操作不能撤销。',
  mergeFrom: '要并入的人员',
  mergeConfirmTitle: '确认合并',
  mergeConfirm: '将人员 {from} 并入 {keep}？此操作不能撤销。',
  merged: '已合并',
  moved: '转移',
  mergedInto: '此人已并入人员',
  none: '无',
  createdAt: '创建时间',
  phoneMasked: '只读令牌看到的电话号码已部分隐藏',
};
export type PeopleKey = keyof typeof zh;

const en: Record<PeopleKey, string> = {
  newPerson: 'New person',
  editPerson: 'Edit',
  details: 'Details',
  name: 'Name',
  phone: 'Phone',
  language: 'Message language',
  langZh: '中文',
  langEn: 'English',
  org: 'Registered at',
  create: 'Create',
  cancel: 'Cancel',
  save: 'Save',
  saved: 'Saved',
  created: 'Created',
  required: 'Required',
  identities: 'Chat accounts',
  addIdentity: 'Add a chat account',
  channel: 'Channel',
  externalId: 'Account id',
  externalIdHint: 'Telegram user id (a number) or WeChat id',
  displayName: 'Display name',
  identityAdded: 'Chat account added',
  roles: 'Roles',
  merge: 'Merge people',
  mergeHint:
    'Absorb another record of the same person into this one: their chat accounts, roles, units and the rest move here, and the other record is retired. This cannot be undone.',
  mergeFrom: 'Person to absorb',
  mergeConfirmTitle: 'Confirm the merge',
  mergeConfirm: 'Merge person {from} into {keep}? This cannot be undone.',
  merged: 'Merged',
  moved: 'moved',
  mergedInto: 'This person was merged into person',
  none: 'None',
  createdAt: 'Created',
  phoneMasked: 'Phone numbers are partly hidden for read-only tokens',
};

/** What a merge moved (POST /people/:id/merge `moved`), by kind, in Chinese; English keeps the API's key. */
const ZH_MOVED: Record<string, string> = {
  ballots: '表决票',
  complaints: '报事',
  conversations: '对话',
  deliveries: '消息',
  identities: '聊天账号',
  partyBranches: '党支部',
  partyMembers: '党员报到',
  partyTasks: '党员任务',
  reminderReceipts: '提醒回执',
  roles: '角色',
  unitOwners: '房屋业主',
  unitResidents: '房屋住户',
};
export function movedKind(kind: string): string {
  return locale.value === 'en' ? kind : (ZH_MOVED[kind] ?? kind);
}

/** The text of `key` in the current language, `{name}`s filled from `vars`. */
export function pt(key: PeopleKey, vars: Record<string, string | number> = {}): string {
  const text = (locale.value === 'en' ? en : zh)[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`));
}
