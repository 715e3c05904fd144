import type { FlowDefinition } from '../../../flows/flow-schema.js';

/**
 * 报事/投诉: category, description, where, an optional photo, anonymous or not, confirm; ends with the number.
 *
 * Privacy by design: started in a group, it answers with one message that moves the conversation
 * to the private chat (Telegram: a deep link whose `/start complaint` fires the `button` trigger
 * there; WeChat, which has no such link: add the bot and send it 投诉 privately, or answer 1 to go
 * on in the group without anonymity). The anonymity question is asked only in the private chat,
 * and `create_complaint` refuses an anonymous report from a group whatever a flow passes it.
 */
export const complaintFlow: FlowDefinition = {
  key: 'complaint',
  name: { 'zh-CN': '报事投诉', en: 'Report a problem' },
  locales: ['zh-CN', 'en'],
  triggers: [
    { type: 'command', command: 'complaint' },
    { type: 'keyword', keywords: ['投诉', '报事', '报修', '反映问题'] },
    { type: 'button', payload: 'complaint' },
  ],
  timeoutMinutes: 10,
  start: 'place',
  steps: [
    {
      id: 'place',
      type: 'branch',
      cases: [
        { when: { context: 'chatKind', equals: 'private' }, next: 'compound' },
        { when: { context: 'channel', equals: 'telegram' }, next: 'go_private' },
      ],
      otherwise: 'private_or_group',
    },
    {
      id: 'go_private',
      type: 'end',
      text: {
        'zh-CN': '为保护您的隐私，报事请私聊我：点下面的按钮继续（可以匿名）。',
        en: 'To protect your privacy, please report in a private chat with me: tap the button below (you can stay anonymous).',
      },
      privateLink: {
        label: { 'zh-CN': '私聊报事', en: 'Report privately' },
        payload: 'complaint',
        command: { 'zh-CN': '投诉', en: '/complaint' },
      },
    },
    {
      id: 'private_or_group',
      type: 'ask',
      input: 'choice',
      options: [
        {
          value: 'group',
          label: { 'zh-CN': '在群里继续（不匿名）', en: 'Continue in the group (not anonymous)' },
        },
      ],
      prompt: {
        'zh-CN': '为保护您的隐私，报事请私聊我（可以匿名）。也可以在群里继续，但群里的人会看到：',
        en: 'To protect your privacy, please report in a private chat with me (you can stay anonymous). You can also continue here, but the group will see it:',
      },
      privateLink: {
        label: { 'zh-CN': '私聊报事', en: 'Report privately' },
        payload: 'complaint',
        command: { 'zh-CN': '投诉', en: '/complaint' },
      },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'place',
      // one try: other talk of the person in the group ends the offer rather than re-asking it
      maxAttempts: 1,
      next: 'compound',
    },
    {
      // privately the compound is the person's: someone without one is told how to start, at once
      id: 'compound',
      type: 'action',
      action: 'complaint_compound',
      inputs: {},
      next: 'category',
    },
    {
      id: 'category',
      type: 'ask',
      input: 'choice',
      optionsFrom: 'categories',
      prompt: { 'zh-CN': '您好，您要反映哪一类问题？', en: 'Hello! What kind of problem is it?' },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'category',
      maxAttempts: 3,
      next: 'description',
    },
    {
      id: 'description',
      type: 'ask',
      input: 'text',
      prompt: {
        'zh-CN': '请简单说一下是什么问题（5 到 500 个字）：',
        en: 'Please describe the problem in a few words (5 to 500 characters):',
      },
      validation: { minLength: 5, maxLength: 500 },
      retryPrompt: { 'zh-CN': '请再说一遍。', en: 'Please try again.' },
      save: 'description',
      maxAttempts: 3,
      next: 'location',
    },
    {
      id: 'location',
      type: 'ask',
      input: 'location',
      optional: true,
      prompt: {
        'zh-CN': '问题在哪儿？请按「几栋几单元几室」回复，例如：3栋2单元501。公共区域可以跳过。',
        en: 'Where is it? Reply like 3栋2单元501 (building, unit, room). Skip it for common areas.',
      },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'location',
      maxAttempts: 3,
      next: 'photo',
    },
    {
      id: 'photo',
      type: 'ask',
      input: 'photo',
      optional: true,
      prompt: { 'zh-CN': '方便的话发一张现场照片。', en: 'If you can, send a photo of it.' },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'photo',
      maxAttempts: 3,
      next: 'anonymity',
    },
    {
      // anonymity only where nobody else reads along
      id: 'anonymity',
      type: 'branch',
      cases: [{ when: { context: 'chatKind', equals: 'private' }, next: 'anonymous' }],
      otherwise: 'confirm',
    },
    {
      id: 'anonymous',
      type: 'ask',
      input: 'confirm',
      prompt: {
        'zh-CN': '要匿名吗？选「是」的话，群里和小区的处理人员都看不到您的名字。',
        en: 'Stay anonymous? If yes, the group and the compound’s handlers will not see your name.',
      },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'anonymous',
      maxAttempts: 3,
      next: 'confirm',
    },
    {
      id: 'confirm',
      type: 'ask',
      input: 'confirm',
      prompt: {
        'zh-CN':
          '请确认：\n类别：{{category_label}}\n问题：{{description}}\n位置：{{location_text}}\n确认提交吗？',
        en: 'Please confirm:\nCategory: {{category_label}}\nProblem: {{description}}\nWhere: {{location_text}}\nSubmit it?',
      },
      retryPrompt: { 'zh-CN': '请再试一次。', en: 'Please try again.' },
      save: 'confirmed',
      maxAttempts: 3,
      next: 'decide',
    },
    {
      id: 'decide',
      type: 'branch',
      cases: [{ when: { answer: 'confirmed', equals: true }, next: 'file' }],
      otherwise: 'dropped',
    },
    {
      id: 'file',
      type: 'action',
      action: 'create_complaint',
      inputs: {
        category: { answer: 'category' },
        description: { answer: 'description' },
        location: { answer: 'location' },
        photo: { answer: 'photo' },
        anonymous: { answer: 'anonymous' },
      },
      save: 'complaint',
      next: 'done',
    },
    {
      id: 'done',
      type: 'end',
      text: {
        'zh-CN': '已受理！您的报事编号是 {{complaint.number}}。处理进展会及时通知您。',
        en: 'Received! Your report number is {{complaint.number}}. We will keep you posted.',
      },
    },
    {
      id: 'dropped',
      type: 'end',
      text: {
        'zh-CN': '好的，这次先不提交。需要时再找我。',
        en: 'OK, not submitted. Message me again any time.',
      },
    },
  ],
};
