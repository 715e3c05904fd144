import type { FlowDefinition } from '../../../flows/flow-schema.js';

const SCORE_OPTIONS = [
  { value: '1', label: { 'zh-CN': '1 很不满意', en: '1 very poor' } },
  { value: '2', label: { 'zh-CN': '2 不满意', en: '2 poor' } },
  { value: '3', label: { 'zh-CN': '3 一般', en: '3 fair' } },
  { value: '4', label: { 'zh-CN': '4 满意', en: '4 good' } },
  { value: '5', label: { 'zh-CN': '5 很满意', en: '5 very good' } },
];

/**
 * 物业服务评价: started by the 参与评价 button of a campaign notice (`eval:<campaign id>`), the
 * keyword 物业评价 or /evaluate (the open campaign of the resident's compound). Loops over the
 * campaign's criteria (`evaluation_step` gives the next one), then an optional comment, then
 * records one response for the resident's unit.
 */
export const evaluationFlow: FlowDefinition = {
  key: 'evaluation',
  name: { 'zh-CN': '物业服务评价', en: 'Property-service evaluation' },
  locales: ['zh-CN', 'en'],
  triggers: [
    { type: 'button', payload: 'eval' },
    { type: 'keyword', keywords: ['物业评价', '评价物业'] },
    { type: 'command', command: 'evaluate' },
  ],
  timeoutMinutes: 30,
  start: 'step',
  steps: [
    {
      id: 'step',
      type: 'action',
      action: 'evaluation_step',
      inputs: {
        campaignId: { context: 'arg' },
        progress: { answer: 'progress' },
        score: { answer: 'score' },
      },
      save: 'progress',
      next: 'check',
      onError: 'stop',
    },
    {
      id: 'check',
      type: 'branch',
      cases: [{ when: { answer: 'progress.done', equals: true }, next: 'comment' }],
      otherwise: 'score',
    },
    {
      id: 'score',
      type: 'ask',
      input: 'choice',
      options: SCORE_OPTIONS,
      prompt: {
        'zh-CN':
          '（{{progress.position}}/{{progress.total}}）请为「{{progress.label}}」打分，1 分最差，5 分最好：',
        en: '({{progress.position}}/{{progress.total}}) Score "{{progress.label}}" from 1 (worst) to 5 (best):',
      },
      retryPrompt: { 'zh-CN': '请回复 1 到 5 的分数。', en: 'Please answer with a score from 1 to 5.' },
      save: 'score',
      maxAttempts: 3,
      next: 'step',
    },
    {
      id: 'comment',
      type: 'ask',
      input: 'text',
      optional: true,
      validation: { maxLength: 500 },
      prompt: {
        'zh-CN': '还有什么意见或建议吗？',
        en: 'Any comment or suggestion?',
      },
      retryPrompt: {
        'zh-CN': '请再说一遍（最多 500 字）。',
        en: 'Please try again (at most 500 characters).',
      },
      save: 'comment',
      maxAttempts: 3,
      next: 'submit',
    },
    {
      id: 'submit',
      type: 'action',
      action: 'submit_evaluation',
      inputs: { progress: { answer: 'progress' }, comment: { answer: 'comment' } },
      save: 'submitted',
      next: 'thanks',
      onError: 'stop',
    },
    {
      id: 'thanks',
      type: 'end',
      text: {
        'zh-CN': '谢谢！已记录{{submitted.compound}}{{submitted.unit}}的评价。',
        en: 'Thank you! The evaluation of {{submitted.compound}} {{submitted.unit}} is recorded.',
      },
    },
    { id: 'stop', type: 'end' },
  ],
};
