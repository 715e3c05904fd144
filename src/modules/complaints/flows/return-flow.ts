import type { FlowDefinition } from '../../../flows/flow-schema.js';

/** 退回: a handler gives a complaint back to dispatch from the 退回 button, with a reason (required). */
export const returnFlow: FlowDefinition = {
  key: 'complaint_return',
  name: { 'zh-CN': '退回派单', en: 'Return to dispatch' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'button', payload: 'cpret' }],
  timeoutMinutes: 30,
  start: 'reason',
  steps: [
    {
      id: 'reason',
      type: 'ask',
      input: 'text',
      validation: { minLength: 2, maxLength: 500 },
      prompt: {
        'zh-CN': '请写下退回原因（派单的同事会看到）：',
        en: 'Why are you returning it? (the dispatchers will read it)',
      },
      retryPrompt: {
        'zh-CN': '退回需要写明原因（至少两个字）。',
        en: 'A return needs a reason (a few words).',
      },
      save: 'reason',
      maxAttempts: 3,
      next: 'save',
    },
    {
      id: 'save',
      type: 'action',
      action: 'return_complaint',
      inputs: { complaintId: { context: 'arg' }, reason: { answer: 'reason' } },
      save: 'returned',
      next: 'done',
    },
    {
      id: 'done',
      type: 'end',
      text: {
        'zh-CN': '报事 {{returned.number}} 已退回派单，处理人员会重新接手。',
        en: 'Report {{returned.number}} is back with dispatch; it will be taken on again.',
      },
    },
  ],
};
