/**
 * The API's error codes and its most frequent detail messages in Chinese. The API writes its
 * errors in English (`{"error": {"code", "message", "details"}}`); a Chinese page shows the code's
 * meaning and each detail translated where its wording is known here, else the server's own words.
 */

/** What each error code means, in Chinese. */
export const ZH_CODES: Record<string, string> = {
  validation_failed: '输入有误',
  invalid_value: '取值无效',
  bad_json: '请求格式有误',
  bad_request: '请求有误',
  unauthorized: '令牌无效或已被撤销',
  forbidden: '无权进行此操作',
  not_found: '未找到',
  conflict: '与现有数据冲突',
  already_decided: '已由他人处理',
  not_assigned: '未指派给此人',
  taken: '已被他人抢先',
  voting_not_open: '投票不在进行中',
  unprocessable: '无法处理',
  invalid_flow: '流程有问题',
  refused_by_wechat: '微信拒绝了此请求',
  payload_too_large: '提交的内容过大',
  unsupported_media_type: '不支持的内容类型',
  rate_limited: '操作太频繁，请稍后再试',
  photo_unavailable: '照片暂不可用',
  chart_unavailable: '图表暂不可用',
  unavailable: '服务暂不可用，请稍后再试',
  internal: '服务器内部错误',
};

/** The things a 404 names (`person 12 not found`), in Chinese. */
const ZH_THINGS: Record<string, string> = {
  org: '组织',
  person: '人员',
  'role assignment': '角色',
  chat: '群',
  'escalation policy of org': '升级策略：组织',
  'duty roster of org': '值班表：组织',
  'property company': '物业公司',
  'party branch': '党支部',
  'party member': '党员',
  task: '任务',
  proposal: '表决',
  evaluation: '评价',
  complaint: '报事',
  reminder: '提醒',
  flow: '流程',
  unit: '房屋',
  token: '令牌',
};

/** Field names the forms send, in Chinese (a path's last named part; unknown ones stay as written). */
const ZH_FIELDS: Record<string, string> = {
  name: '名称',
  phone: '电话',
  locale: '语言',
  title: '标题',
  body: '内容',
  options: '选项',
  personId: '人员',
  role: '角色',
  orgId: '组织',
  parentId: '上级',
  externalId: '账号 ID',
  externalChatId: '群 ID',
  channel: '渠道',
  purpose: '用途',
  from: '开始',
  to: '结束',
  ack: '受理时限',
  resolve: '办结时限',
  calendar: '日历',
  workingHours: '工作时间',
  start: '开始',
  end: '结束',
  maxReopens: '重新打开次数',
  ratingTimeout: '评价期限',
  overdueReminderEvery: '超时提醒间隔',
  warnAtPercent: '预警比例',
  weekday: '星期',
  date: '日期',
  timeZone: '时区',
  compoundId: '小区',
  startsOn: '开始日期',
  endsOn: '结束日期',
  secretaryPersonId: '书记',
  dueAt: '截止时间',
  acceptBy: '接单截止',
  assignees: '指定党员',
  volunteersNeeded: '志愿者人数',
  branchId: '支部',
  description: '说明',
  place: '地点',
  key: '标识',
};

type Rule = [RegExp, (m: RegExpExecArray) => string];
const KINDS: Record<string, string> = {
  number: '数字',
  string: '文字',
  array: '列表',
  boolean: '是/否',
  object: '对象',
};

/** Detail messages (zod's and the services' own) by their wording. */
const RULES: Rule[] = [
  [/^Too big: expected number to be <=?\s*(\S+)/, (m) => `不能大于 ${m[1]}`],
  [/^Too big: expected string to have <=?\s*(\d+)/, (m) => `最多 ${m[1]} 个字符`],
  [/^Too big: expected array to have <=?\s*(\d+)/, (m) => `最多 ${m[1]} 项`],
  [/^Too small: expected number to be >(\S+)$/, (m) => `须大于 ${m[1]}`],
  [/^Too small: expected number to be >=\s*(\S+)/, (m) => `不能小于 ${m[1]}`],
  [/^Too small: expected string to have >=\s*1 characters?/, () => '不能为空'],
  [/^Too small: expected string to have >=\s*(\d+)/, (m) => `至少 ${m[1]} 个字符`],
  [/^Too small: expected array to have >=\s*(\d+)/, (m) => `至少 ${m[1]} 项`],
  [/^Invalid input: expected \w+, received undefined/, () => '必填'],
  [/^Invalid input: expected (\w+)/, (m) => `类型不对（应为${KINDS[m[1]!] ?? m[1]}）`],
  [/^Invalid option: expected one of (.*)$/, (m) => `须为以下之一：${m[1]}`],
  [/^Invalid string: must match pattern/, () => '格式不对'],
  [/^Unrecognized keys?: (.*)$/, (m) => `不认识的字段：${m[1]}`],
  [
    /^invalid ISO 8601 duration/,
    () => '时长格式不对：应如 PT2H（2 小时）、P3D（3 天）、P1DT12H（1 天 12 小时）',
  ],
  [/^must be HH:MM$/, () => '时间应为 HH:MM'],
  [/^a time of day as HH:MM/, () => '时间应为 HH:MM（00:00–24:00）'],
  [/^start must be before end$/, () => '开始须早于结束'],
  [/^ends before it starts$/, () => '结束早于开始'],
  [/^a date as YYYY-MM-DD$/, () => '日期应为 YYYY-MM-DD'],
  [/^an IANA time zone/, () => '时区应如 Asia/Shanghai'],
  [/^either off: true, or a shift/, () => '请选择休息，或填写起止时间'],
  [/^a day off has no from and to$/, () => '休息日不填起止时间'],
  [/^a category code or \*$/, () => '应为类别代码或 *'],
  [/^lowercase letters, digits and _$/, () => '只能用小写字母、数字和 _'],
  [/^category codes must differ$/, () => '类别代码不能重复'],
  [/^roles must differ$/, () => '角色不能重复'],
  [/^no such person$/, () => '没有此人员（或不在您的管辖范围内）'],
  [/^already assigned$/, () => '已担任此角色'],
  [/^already linked to person (\d+)$/, (m) => `已关联到人员 #${m[1]}`],
  [/^already linked$/, () => '已关联到其他人员'],
  [/^duplicate among siblings$/, () => '同一上级下已有同名组织'],
  [/^duplicate option$/, () => '选项重复'],
  [/^must not be empty$/, () => '不能为空'],
  [/^already exists$/, () => '已存在'],
  [/^must not be before startsOn$/, () => '不能早于开始日期'],
  [/^overlaps contract (\d+) of company (\d+)$/, (m) => `与物业公司 #${m[2]} 的合同 #${m[1]} 日期重叠`],
  [/^not a compound$/, () => '不是小区'],
  [/^is in the past$/, () => '不能早于现在'],
  [/^must be in the future and not after dueAt$/, () => '须晚于现在，且不晚于截止时间'],
  [/is not an approved party member reporting here$/, () => '不是在此报到并已通过审核的党员'],
  [/^lists a person twice$/, () => '同一人列了两次'],
  [/^give assignees or volunteersNeeded, not both$/, () => '指定党员或志愿者人数，二选一'],
  [/^a task needs assignees or volunteersNeeded/, () => '请指定党员，或填写志愿者人数'],
  [/^(.+?) (\d+) not found$/, (m) => `${ZH_THINGS[m[1]!] ?? m[1]} #${m[2]} 不存在或不在您的管辖范围内`],
  [/^An org named "(.*)" already exists under this parent$/, (m) => `同一上级下已有名为「${m[1]}」的组织`],
  [/^Person (\d+) already holds (\w+) at org (\d+)$/, (m) => `人员 #${m[1]} 已在组织 #${m[3]} 担任此角色`],
  [/^Invalid or revoked token$/, () => '令牌无效或已被撤销'],
  // the flow checker's problems (src/flows/flow-check.ts), shown at their step
  [/^must include zh-CN$/, () => '须包含 zh-CN'],
  [/^duplicate step id$/, () => '步骤标识重复'],
  [/^no step "(.*)"$/, (m) => `没有步骤「${m[1]}」`],
  [/^missing the (\S+) text$/, (m) => `缺少 ${m[1]} 文本`],
  [/^a (\S+) needs options or optionsFrom$/, (m) => `${m[1]} 需要 options 或 optionsFrom`],
  [/^a (\S+) takes no options$/, (m) => `${m[1]} 不接受选项`],
  [/^option values must differ$/, () => '选项的值不能重复'],
  [/^is not a valid regular expression$/, () => '不是有效的正则表达式'],
  [/^is above (max|maxLength)$/, (m) => `大于 ${m[1]}`],
  [/^needs the step to have a text$/, () => '需要该步骤有文本（链接随文本发送）'],
  [/^no step saves "(.*)"$/, (m) => `没有步骤保存「${m[1]}」`],
  [/^unknown action "(.*)" \(known: (.*)\)$/, (m) => `未知的动作「${m[1]}」（可用：${m[2]}）`],
  [/^required by (\S+)$/, (m) => `动作 ${m[1]} 需要此输入`],
  [/^(\S+) takes no input "(.*)"$/, (m) => `动作 ${m[1]} 没有输入「${m[2]}」`],
  [/^not reachable from "(.*)"$/, (m) => `从「${m[1]}」无法到达`],
  [/^loops without asking: (.*)$/, (m) => `不提问就循环：${m[1]}`],
];

/** A detail message in Chinese, or null when its wording is not known here. */
export function zhMessage(message: string): string | null {
  for (const [re, to] of RULES) {
    const m = re.exec(message);
    if (m) return to(m);
  }
  return null;
}

/** A field path (`levels.compound.*.ack`) with its named parts in Chinese where known. */
export function zhField(path: string): string {
  const parts = path.split('.');
  const named = [...parts].reverse().find((p) => ZH_FIELDS[p]);
  if (!named) return path;
  return parts.length === 1 ? ZH_FIELDS[named]! : `${ZH_FIELDS[named]}（${path}）`;
}
