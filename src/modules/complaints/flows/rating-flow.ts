import type { FlowDefinition } from '../../../flows/flow-schema.js';

/** 评价: asked when a complaint is resolved (the 评价 button carries `rate:<complaint id>`). */
export const ratingFlow: FlowDefinition = {
  key: 'rating',
  name: { 'zh-CN': '处理结果评价', en: 'Rate the result' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'button', payload: 'rate' }],
  timeoutMinutes: 60,
  start: 'score',
  steps: [
    {
      id: 'score',
      type: 'ask',
      input: 'choice',
      options: [
        { value: 'satisfied', label: { 'zh-CN': '满意', en: 'Satisfied' } },
        { value: 'basically_satisfied', label: { 'zh-CN': '基本满意', en: 'Mostly satisfied' } },
        { value: 'dissatisfied', label: { 'zh-CN': '不满意', en: 'Not satisfied' } },
      ],
      prompt: { 'zh-CN': '您对这次处理结果满意吗？', en: 'Are you satisfied with how it was handled?' },
      retryPrompt: { 'zh-CN': '请再选一次。', en: 'Please pick again.' },
      save: 'rating',
      maxAttempts: 3,
      next: 'comment',
    },
    {
      id: 'comment',
      type: 'ask',
      input: 'text',
      optional: true,
      validation: { maxLength: 500 },
      prompt: { 'zh-CN': '还有什么想说的吗？', en: 'Anything you would like to add?' },
      retryPrompt: { 'zh-CN': '请再说一遍。', en: 'Please try again.' },
      save: 'comment',
      maxAttempts: 3,
      next: 'rate',
    },
    {
      id: 'rate',
      type: 'action',
      action: 'rate_complaint',
      inputs: {
        complaintId: { context: 'arg' },
        rating: { answer: 'rating' },
        comment: { answer: 'comment' },
      },
      save: 'rated',
      next: 'outcome',
    },
    {
      id: 'outcome',
      type: 'branch',
      cases: [{ when: { answer: 'rating', equals: 'dissatisfied' }, next: 'reopened' }],
      otherwise: 'thanks',
    },
    {
      id: 'thanks',
      type: 'end',
      text: { 'zh-CN': '谢谢您的评价！', en: 'Thank you for your rating!' },
    },
    {
      id: 'reopened',
      type: 'end',
      text: {
        'zh-CN': '抱歉没有处理好。您的报事 {{rated.number}} 已重新打开，我们会再跟进。',
        en: 'Sorry it was not handled well. Your report {{rated.number}} is reopened and will be followed up.',
      },
    },
  ],
};
