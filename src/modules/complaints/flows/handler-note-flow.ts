import type { FlowDefinition } from '../../../flows/flow-schema.js';

/** 补充说明: a handler adds a note (and a photo) to a complaint from the 补充说明 button. */
export const handlerNoteFlow: FlowDefinition = {
  key: 'complaint_note',
  name: { 'zh-CN': '处理说明', en: 'Handling note' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'button', payload: 'cpnote' }],
  timeoutMinutes: 30,
  start: 'note',
  steps: [
    {
      id: 'note',
      type: 'ask',
      input: 'text',
      validation: { minLength: 2, maxLength: 1000 },
      prompt: { 'zh-CN': '请写下处理情况：', en: 'What was done?' },
      retryPrompt: { 'zh-CN': '请再说一遍。', en: 'Please try again.' },
      save: 'note',
      maxAttempts: 3,
      next: 'photo',
    },
    {
      id: 'photo',
      type: 'ask',
      input: 'photo',
      optional: true,
      prompt: { 'zh-CN': '可以发一张现场照片。', en: 'You can send a photo.' },
      retryPrompt: { 'zh-CN': '请发照片，或回复「跳过」。', en: 'Send a photo, or reply skip.' },
      save: 'photo',
      maxAttempts: 3,
      next: 'save',
    },
    {
      id: 'save',
      type: 'action',
      action: 'note_complaint',
      inputs: { complaintId: { context: 'arg' }, note: { answer: 'note' }, photo: { answer: 'photo' } },
      save: 'noted',
      next: 'done',
    },
    {
      id: 'done',
      type: 'end',
      text: {
        'zh-CN': '已记录到报事 {{noted.number}} 的处理记录中。',
        en: 'Added to the record of {{noted.number}}.',
      },
    },
  ],
};
