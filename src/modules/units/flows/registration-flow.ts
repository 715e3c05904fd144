import type { FlowDefinition } from '../../../flows/flow-schema.js';

/**
 * 住户登记: the address as the resident writes it (the closest register entries offered when it fits
 * none or several), confirmed, then claimed: pending until approved where the compound asks for
 * approval (the default).
 */
export const registrationFlow: FlowDefinition = {
  key: 'registration',
  name: { 'zh-CN': '住户登记', en: 'Resident registration' },
  locales: ['zh-CN', 'en'],
  triggers: [
    { type: 'command', command: 'register' },
    { type: 'keyword', keywords: ['登记', '住户登记'] },
    { type: 'button', payload: 'register' },
  ],
  timeoutMinutes: 10,
  start: 'address',
  steps: [
    {
      id: 'address',
      type: 'ask',
      input: 'location',
      prompt: {
        'zh-CN': '请问您住哪一户？请回复楼栋、单元和房号，例如：3栋2单元501。',
        en: 'Which unit do you live in? Reply like 3栋2单元501 (building, unit, room).',
      },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'address',
      maxAttempts: 3,
      next: 'confirm',
    },
    {
      id: 'confirm',
      type: 'ask',
      input: 'confirm',
      prompt: {
        'zh-CN': '登记为 {{address_text}} 的住户，对吗？',
        en: 'Register you as a resident of {{address_text}}?',
      },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'confirmed',
      maxAttempts: 3,
      next: 'decide',
    },
    {
      id: 'decide',
      type: 'branch',
      cases: [{ when: { answer: 'confirmed', equals: true }, next: 'register' }],
      otherwise: 'again',
    },
    {
      id: 'again',
      type: 'end',
      text: {
        'zh-CN': '好的，没有登记。需要时发送「登记」重新开始。',
        en: 'OK, not registered. Send /register to start again.',
      },
    },
    {
      id: 'register',
      type: 'action',
      action: 'register_resident',
      inputs: { location: { answer: 'address' } },
      save: 'registration',
      next: 'outcome',
    },
    {
      id: 'outcome',
      type: 'branch',
      cases: [{ when: { answer: 'registration.pending', equals: true }, next: 'pending' }],
      otherwise: 'approved',
    },
    {
      id: 'pending',
      type: 'end',
      text: {
        'zh-CN':
          '已提交登记（{{registration.address}}），等业委会成员或网格员审核通过后生效，审核结果会私信告诉您。',
        en: 'Registration sent ({{registration.address}}); it takes effect once a committee member or grid worker approves it. You will be told privately.',
      },
    },
    {
      id: 'approved',
      type: 'end',
      text: {
        'zh-CN': '登记成功！您已是 {{registration.address}} 的住户。',
        en: 'Done! You are registered as a resident of {{registration.address}}.',
      },
    },
  ],
};
