import type { FlowDefinition } from '../../../flows/flow-schema.js';

/**
 * 转办: a handler hands a complaint to a colleague or a role from the 转办 button — whom (a number
 * from the list or a name; a wrong answer is told why and asked again), a note they will read, done.
 */
export const transferFlow: FlowDefinition = {
  key: 'complaint_transfer',
  name: { 'zh-CN': '转办报事', en: 'Transfer a report' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'button', payload: 'cpxfer' }],
  timeoutMinutes: 30,
  start: 'options',
  steps: [
    {
      id: 'options',
      type: 'action',
      action: 'transfer_options',
      inputs: { complaintId: { context: 'arg' } },
      save: 'options',
      next: 'to',
    },
    {
      id: 'to',
      type: 'ask',
      input: 'text',
      validation: { minLength: 1, maxLength: 60 },
      prompt: {
        'zh-CN': '转给谁？请回复编号或姓名：\n{{options.list}}',
        en: 'Transfer it to whom? Reply with a number or a name:\n{{options.list}}',
      },
      retryPrompt: {
        'zh-CN': '请回复列表中的编号或姓名。',
        en: 'Reply with a number or a name from the list.',
      },
      save: 'to',
      maxAttempts: 3,
      next: 'check',
    },
    {
      id: 'check',
      type: 'action',
      action: 'transfer_target',
      inputs: { complaintId: { context: 'arg' }, to: { answer: 'to' } },
      save: 'target',
      next: 'note',
      onError: 'to',
    },
    {
      id: 'note',
      type: 'ask',
      input: 'text',
      optional: true,
      validation: { minLength: 2, maxLength: 500 },
      prompt: {
        'zh-CN': '转给 {{target.label}}。请写一句转办说明（对方会看到）：',
        en: 'To {{target.label}}. Add a note for them:',
      },
      retryPrompt: { 'zh-CN': '请写一句说明，或回复「跳过」。', en: 'Write a note, or reply skip.' },
      save: 'note',
      maxAttempts: 3,
      next: 'save',
    },
    {
      id: 'save',
      type: 'action',
      action: 'transfer_complaint',
      inputs: { complaintId: { context: 'arg' }, to: { answer: 'to' }, note: { answer: 'note' } },
      save: 'done',
      next: 'done',
    },
    {
      id: 'done',
      type: 'end',
      text: {
        'zh-CN': '报事 {{done.number}} 已转给 {{done.to}}，对方会收到通知。',
        en: 'Report {{done.number}} was transferred to {{done.to}}; they are notified.',
      },
    },
  ],
};
