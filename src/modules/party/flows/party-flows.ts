import type { FlowDefinition } from '../../../flows/flow-schema.js';
import { STANDARD_COMMITMENTS } from '../commitments.js';

const retry = { 'zh-CN': '请再试一次。', en: 'Please try again.' };

/**
 * 党员报到: name, the branch of their workplace, the compound they report to, the standard
 * commitments (全部 takes all five) and at least one of their own; pending until the compound's
 * party secretary approves. An unknown branch or compound is asked again.
 */
export const partyRegistrationFlow: FlowDefinition = {
  key: 'party_registration',
  name: { 'zh-CN': '党员报到', en: 'Party member registration' },
  locales: ['zh-CN', 'en'],
  triggers: [
    { type: 'command', command: 'party' },
    { type: 'keyword', keywords: ['党员报到', '报到'] },
    { type: 'button', payload: 'party_register' },
  ],
  timeoutMinutes: 30,
  start: 'name',
  steps: [
    {
      id: 'name',
      type: 'ask',
      input: 'text',
      validation: { minLength: 2, maxLength: 30 },
      prompt: { 'zh-CN': '欢迎到小区报到！请问您的真实姓名？', en: 'Welcome! What is your full name?' },
      retryPrompt: retry,
      save: 'name',
      maxAttempts: 3,
      next: 'branch_name',
    },
    {
      id: 'branch_name',
      type: 'ask',
      input: 'text',
      validation: { minLength: 2, maxLength: 100 },
      prompt: {
        'zh-CN': '您的组织关系在哪个党支部？请写全称，例如：市税务局第二党支部。',
        en: 'Which party branch (of your workplace) do you belong to? Give its full name.',
      },
      retryPrompt: retry,
      save: 'branch_name',
      maxAttempts: 3,
      next: 'find_branch',
    },
    {
      id: 'find_branch',
      type: 'action',
      action: 'find_party_branch',
      inputs: { name: { answer: 'branch_name' } },
      save: 'branch',
      next: 'compound_name',
      onError: 'branch_name',
    },
    {
      id: 'compound_name',
      type: 'ask',
      input: 'text',
      validation: { minLength: 2, maxLength: 100 },
      prompt: { 'zh-CN': '您到哪个小区报到？请写小区名称。', en: 'Which compound do you report to?' },
      retryPrompt: retry,
      save: 'compound_name',
      maxAttempts: 3,
      next: 'find_compound',
    },
    {
      id: 'find_compound',
      type: 'action',
      action: 'find_compound',
      inputs: { name: { answer: 'compound_name' } },
      save: 'compound',
      next: 'commitments',
      onError: 'compound_name',
    },
    {
      id: 'commitments',
      type: 'ask',
      input: 'multi_choice',
      options: [
        { value: 'all', label: { 'zh-CN': '全部五项', en: 'All five' } },
        ...STANDARD_COMMITMENTS.map((c) => ({ value: c.code, label: { 'zh-CN': c['zh-CN'], en: c.en } })),
      ],
      prompt: {
        'zh-CN': '请选择您的承诺事项（党员应承诺以下五项，回复 1 即全部五项，也可回复序号如 2,3,4,5,6）：',
        en: 'Choose your commitments (members take all five: reply 1 for all five, or numbers like 2,3,4,5,6):',
      },
      retryPrompt: retry,
      save: 'commitments',
      maxAttempts: 3,
      next: 'own',
    },
    {
      id: 'own',
      type: 'ask',
      input: 'text',
      validation: { minLength: 4, maxLength: 300 },
      prompt: {
        'zh-CN': '请再写至少一项您自己的承诺，例如「每月陪独居老人散步一次」；多项用分号隔开。',
        en: 'Now write at least one commitment of your own, e.g. “walk with a neighbour living alone once a month”; separate several with ;',
      },
      retryPrompt: retry,
      save: 'own',
      maxAttempts: 3,
      next: 'register',
    },
    {
      id: 'register',
      type: 'action',
      action: 'register_party_member',
      inputs: {
        name: { answer: 'name' },
        branch: { answer: 'branch' },
        compound: { answer: 'compound' },
        commitments: { answer: 'commitments' },
        own: { answer: 'own' },
      },
      save: 'member',
      next: 'outcome',
    },
    {
      id: 'outcome',
      type: 'branch',
      cases: [{ when: { answer: 'member.already', equals: true }, next: 'already' }],
      otherwise: 'sent',
    },
    {
      id: 'already',
      type: 'end',
      text: {
        'zh-CN': '您已经在 {{compound.compoundName}} 报到过了，无需重复报到。',
        en: 'You are already registered at {{compound.compoundName}}.',
      },
    },
    {
      id: 'sent',
      type: 'end',
      text: {
        'zh-CN':
          '报到申请已提交（{{branch.branchName}} → {{compound.compoundName}}），等小区党支部书记审核。',
        en: 'Sent ({{branch.branchName}} → {{compound.compoundName}}); the compound’s party secretary will review it.',
      },
    },
  ],
};

/** 接受任务: the 接受 button of a task notification takes a slot (first come, first served). */
export const taskAcceptFlow: FlowDefinition = {
  key: 'task_accept',
  name: { 'zh-CN': '接受任务', en: 'Accept a task' },
  locales: ['zh-CN', 'en'],
  triggers: [{ type: 'button', payload: 'tkok' }],
  timeoutMinutes: 10,
  start: 'accept',
  steps: [
    {
      id: 'accept',
      type: 'action',
      action: 'accept_task',
      inputs: { taskId: { context: 'arg' } },
      save: 'task',
      next: 'done',
    },
    {
      id: 'done',
      type: 'end',
      text: {
        'zh-CN': '好的，「{{task.title}}」算您一个，谢谢！',
        en: 'Thank you, you are on “{{task.title}}”.',
      },
    },
  ],
};

/** 完成任务: a note, a photo of the work and the hours served, recorded in the service record. */
export const taskCompleteFlow: FlowDefinition = {
  key: 'task_complete',
  name: { 'zh-CN': '完成任务', en: 'Complete a task' },
  locales: ['zh-CN', 'en'],
  triggers: [
    { type: 'button', payload: 'tkdone' },
    { type: 'keyword', keywords: ['完成任务'] },
  ],
  timeoutMinutes: 30,
  start: 'check',
  steps: [
    {
      id: 'check',
      type: 'action',
      action: 'check_task',
      inputs: { taskId: { context: 'arg' } },
      save: 'task',
      next: 'note',
    },
    {
      id: 'note',
      type: 'ask',
      input: 'text',
      validation: { minLength: 2, maxLength: 1000 },
      prompt: {
        'zh-CN': '「{{task.title}}」完成得怎么样？请简单写几句。',
        en: 'How did “{{task.title}}” go? A few words, please.',
      },
      retryPrompt: retry,
      save: 'note',
      maxAttempts: 3,
      next: 'photo',
    },
    {
      id: 'photo',
      type: 'ask',
      input: 'photo',
      prompt: { 'zh-CN': '请拍一张现场照片发过来。', en: 'Please send a photo of the work.' },
      retryPrompt: { 'zh-CN': '请发一张照片。', en: 'Please send a photo.' },
      save: 'photo',
      maxAttempts: 3,
      next: 'hours',
    },
    {
      id: 'hours',
      type: 'ask',
      input: 'number',
      validation: { min: 0.5, max: 24 },
      prompt: {
        'zh-CN': '这次服务了几个小时？例如 2 或 1.5。',
        en: 'How many hours did it take? e.g. 2 or 1.5',
      },
      retryPrompt: retry,
      save: 'hours',
      maxAttempts: 3,
      next: 'save',
    },
    {
      id: 'save',
      type: 'action',
      action: 'complete_task',
      inputs: {
        task: { answer: 'task' },
        note: { answer: 'note' },
        photo: { answer: 'photo' },
        hours: { answer: 'hours' },
      },
      save: 'done',
      next: 'thanks',
    },
    {
      id: 'thanks',
      type: 'end',
      text: {
        'zh-CN': '已记录：「{{done.title}}」完成，服务 {{done.hours}} 小时。辛苦了！',
        en: 'Recorded: “{{done.title}}” done, {{done.hours}} hours. Thank you!',
      },
    },
  ],
};
