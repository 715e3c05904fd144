import { locale } from '../i18n';

/** The strings of the evaluation pages (物业服务评价, 红黑榜), Chinese first. */
const zh = {
  menuEvaluations: '物业评价',
  campaigns: '评价活动',
  newCampaign: '发起评价',
  title: '标题',
  titleHint: '留空则自动命名',
  org: '范围（组织）',
  company: '物业公司',
  companyHint: '留空：范围内所有在签约期的物业公司',
  listSize: '红黑榜名额',
  opensAt: '开始时间',
  closesAt: '截止时间',
  status: '状态',
  any: '全部',
  targets: '参评小区',
  responses: '答卷',
  units: '户数',
  responseRate: '答卷率',
  compound: '小区',
  open: '查看',
  back: '返回',
  closeNow: '立即结束',
  closeConfirm: '现在结束这次评价？结束后结果将发给各小区业委会。',
  cancelCampaign: '取消评价',
  cancelConfirm: '取消这次评价？之后不再收集答卷，也不发送结果。',
  done: '已完成',
  confirm: '确定',
  cancel: '取消',
  create: '创建',
  created: '已创建',
  results: '评价结果',
  byCompound: '按小区',
  byCompany: '按物业公司',
  overall: '综合满意度（1–5）',
  onTime: '按时办结率',
  satisfaction: '满意率',
  score: '综合得分',
  ranking: '排名',
  rank: '名次',
  redList: '红榜',
  blackList: '黑榜',
  weights: '权重',
  survey: '问卷',
  complaintsWindow: '报事统计区间',
  criteria: '评价项目',
  noneYet: '暂无',
  readOnly: '只读令牌：不能发起、结束或取消',
  empty: '暂无数据',
  loadMore: '加载更多',
  search: '查询',
  paperForm: '录入纸质问卷',
  unit: '房屋',
  comment: '意见（可选）',
  enter: '录入',
  entered: '已录入',
};
export type EvaluationKey = keyof typeof zh;

const en: Record<EvaluationKey, string> = {
  menuEvaluations: 'Evaluations',
  campaigns: 'Campaigns',
  newCampaign: 'New campaign',
  title: 'Title',
  titleHint: 'Empty: named automatically',
  org: 'Scope (org)',
  company: 'Property company',
  companyHint: 'Empty: every company under contract in the scope',
  listSize: 'Red/black list size',
  opensAt: 'Opens at',
  closesAt: 'Closes at',
  status: 'Status',
  any: 'Any',
  targets: 'Compounds',
  responses: 'Responses',
  units: 'Units',
  responseRate: 'Response rate',
  compound: 'Compound',
  open: 'Open',
  back: 'Back',
  closeNow: 'Close now',
  closeConfirm: 'Close this campaign now? The results go to the owners’ committees.',
  cancelCampaign: 'Cancel campaign',
  cancelConfirm: 'Cancel this campaign? No more responses are recorded and no report is sent.',
  done: 'Done',
  confirm: 'OK',
  cancel: 'Cancel',
  create: 'Create',
  created: 'Created',
  results: 'Results',
  byCompound: 'By compound',
  byCompany: 'By company',
  overall: 'Overall (1–5)',
  onTime: 'On-time rate',
  satisfaction: 'Satisfaction rate',
  score: 'Score',
  ranking: 'Ranking',
  rank: 'Rank',
  redList: 'Red list',
  blackList: 'Black list',
  weights: 'Weights',
  survey: 'Survey',
  complaintsWindow: 'Complaints counted',
  criteria: 'Criteria',
  noneYet: 'None yet',
  readOnly: 'Read-only token: no creating, closing or cancelling',
  empty: 'Nothing here',
  loadMore: 'Load more',
  search: 'Search',
  paperForm: 'Enter a paper form',
  unit: 'Unit',
  comment: 'Comment (optional)',
  enter: 'Enter',
  entered: 'Entered',
};

const zhTerms: Record<string, string> = {
  scheduled: '未开始',
  open: '进行中',
  closed: '已结束',
  cancelled: '已取消',
};

export function et(key: EvaluationKey): string {
  return (locale.value === 'en' ? en : zh)[key];
}

/** A campaign status in words. */
export function eterm(value: string | null | undefined): string {
  if (!value) return '';
  return locale.value === 'en' ? value : (zhTerms[value] ?? value);
}

/** A criterion's name in the current language. */
export function criterionName(c: { key: string; zh: string; en: string }): string {
  return locale.value === 'en' ? c.en : c.zh;
}

/** A rate 0–1 as a percent with one decimal, or — without data. */
export function pct(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`;
}
