/**
 * The five standard commitments of a party member reporting to their compound (双报到, as the
 * Bishan practice describes: five mandatory ones and at least one of the member's own). Codes are
 * stored; labels are shown in the flow, the service record and the January check-in.
 */
export const STANDARD_COMMITMENTS = [
  {
    code: 'lead_by_example',
    'zh-CN': '带头遵守小区公约，亮明党员身份',
    en: 'Keep the compound rules and show I am a party member',
  },
  {
    code: 'pair_households',
    'zh-CN': '联系结对至少两户群众，常走访听意见',
    en: 'Pair with at least two households and visit them',
  },
  {
    code: 'volunteer_service',
    'zh-CN': '每年参加志愿服务不少于规定时长',
    en: 'Do the yearly volunteer service hours',
  },
  {
    code: 'join_activities',
    'zh-CN': '参加小区党组织活动和议事协商',
    en: 'Take part in the compound branch’s activities and consultations',
  },
  {
    code: 'report_problems',
    'zh-CN': '发现矛盾隐患及时报告、协助化解',
    en: 'Report problems and help settle disputes early',
  },
] as const;

export type CommitmentCode = (typeof STANDARD_COMMITMENTS)[number]['code'];
export const COMMITMENT_CODES = STANDARD_COMMITMENTS.map((c) => c.code) as [
  CommitmentCode,
  ...CommitmentCode[],
];

export function commitmentLabel(code: string, locale: 'zh-CN' | 'en' = 'zh-CN'): string {
  return STANDARD_COMMITMENTS.find((c) => c.code === code)?.[locale] ?? code;
}

/** "a；b;c\nd" → ['a', 'b', 'c', 'd'] (a member may write several of their own at once). */
export function splitOwnCommitments(text: string): string[] {
  return text
    .split(/[;；\n]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .slice(0, 10);
}
