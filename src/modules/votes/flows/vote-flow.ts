import type { FlowDefinition } from '../../../flows/flow-schema.js';

/**
 * 投票: an owner votes privately (or in the group) on an open proposal: `/vote`, `/vote <id>`
 * or the `vote:<id>` button. A wrong option is asked again; a non-owner is told why. A secret
 * ballot is cast only in private: in a group chat.ts answers with the private link before this
 * flow starts, and the actions refuse it in a group chat.
 */
export const voteFlow: FlowDefinition = {
  key: 'vote',
  name: { 'zh-CN': '业主投票', en: "Owners' vote" },
  locales: ['zh-CN', 'en'],
  triggers: [
    { type: 'command', command: 'vote' },
    { type: 'button', payload: 'vote' },
    { type: 'keyword', keywords: ['投票', '我要投票'] },
  ],
  timeoutMinutes: 30,
  start: 'info',
  steps: [
    {
      id: 'info',
      type: 'action',
      action: 'vote_ballot',
      inputs: { proposalId: { context: 'arg' } },
      save: 'info',
      next: 'choose',
    },
    {
      id: 'choose',
      type: 'ask',
      input: 'text',
      validation: { minLength: 1, maxLength: 40 },
      prompt: {
        'zh-CN': '#{{info.id}} {{info.title}}\n{{info.choices}}\n请回复选项序号：',
        en: '#{{info.id}} {{info.title}}\n{{info.choices}}\nReply with the number of your choice:',
      },
      retryPrompt: { 'zh-CN': '请回复选项序号。', en: 'Please reply with a number.' },
      save: 'option',
      maxAttempts: 3,
      next: 'cast',
    },
    {
      id: 'cast',
      type: 'action',
      action: 'cast_vote',
      inputs: { proposalId: { context: 'arg' }, option: { answer: 'option' } },
      save: 'vote',
      next: 'check',
    },
    {
      id: 'check',
      type: 'branch',
      cases: [{ when: { answer: 'vote.retry', equals: true }, next: 'again' }],
      otherwise: 'done',
    },
    { id: 'again', type: 'message', text: { 'zh-CN': '{{vote.text}}', en: '{{vote.text}}' }, next: 'choose' },
    { id: 'done', type: 'end', text: { 'zh-CN': '{{vote.text}}', en: '{{vote.text}}' } },
  ],
};
