import { locale } from '../i18n';

/** The strings of creating party branches and tasks (the Party page), Chinese first. */
const zh = {
  branches: '党支部',
  newBranch: '新建支部',
  branchName: '支部全称',
  branchOrg: '登记组织',
  secretary: '支部书记',
  secretaryHint: '书记将在登记组织获得“支部书记”角色（可不填）',
  newTask: '新建任务',
  taskOrg: '小区或社区',
  branch: '支部',
  branchHint: '逾期未接时通知此支部书记（可不填）',
  title: '标题',
  description: '说明',
  place: '地点',
  dueAt: '截止时间',
  acceptBy: '接单截止',
  acceptByHint: '到时仍有空缺则升级（默认由系统决定）',
  remindBefore: '提前提醒（分钟）',
  who: '由谁来做',
  byName: '指定党员',
  volunteers: '招募志愿者',
  assignees: '党员',
  assigneesHint: '在此报到并已通过审核的党员',
  volunteersNeeded: '人数',
  create: '创建',
  cancel: '取消',
  created: '已创建',
  required: '必填',
  noSecretary: '未设',
  pickOrgFirst: '请先选择小区或社区',
  createdAt: '创建时间',
};
export type PartyKey = keyof typeof zh;

const en: Record<PartyKey, string> = {
  branches: 'Branches',
  newBranch: 'New branch',
  branchName: 'Branch’s full name',
  branchOrg: 'Registered by',
  secretary: 'Secretary',
  secretaryHint: 'Gets the branch_secretary role at the registering org (optional)',
  newTask: 'New task',
  taskOrg: 'Compound or community',
  branch: 'Branch',
  branchHint: 'Its secretary hears of unfilled slots (optional)',
  title: 'Title',
  description: 'Description',
  place: 'Place',
  dueAt: 'Due',
  acceptBy: 'Accept by',
  acceptByHint: 'Unfilled slots escalate then (default: chosen by the service)',
  remindBefore: 'Remind before (minutes)',
  who: 'Who does it',
  byName: 'Named members',
  volunteers: 'Volunteers',
  assignees: 'Members',
  assigneesHint: 'Approved members reporting here',
  volunteersNeeded: 'How many',
  create: 'Create',
  cancel: 'Cancel',
  created: 'Created',
  required: 'Required',
  noSecretary: 'none',
  pickOrgFirst: 'Pick a compound or community first',
  createdAt: 'Created',
};

/** The text of `key` in the current language. */
export function pat(key: PartyKey): string {
  return (locale.value === 'en' ? en : zh)[key];
}
