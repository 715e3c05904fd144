import { orgChain } from '../kernel/access/org-chain.js';
import type { Db, Queryable } from '../kernel/db/db.js';
import type { ActionRegistry } from './actions.js';
import { engineTexts } from './engine-texts.js';
import type { FlowDefinition, Locale } from './flow-schema.js';
import {
  answer,
  type ConversationLookups,
  conversationOrg,
  enter,
  type MachineEnv,
  type Reply,
  type RunState,
} from './machine.js';

/**
 * Runs a flow against a list of answers without a chat: the same machine as live conversations,
 * actions dry-run (they check their inputs and the org, and write nothing), so an admin can try a
 * draft before publishing it.
 */
export interface SimulationResult {
  messages: {
    from: 'bot' | 'person';
    text: string;
    choices?: string[];
    /** the reply carries the person into the private chat (a deep link, or WeChat's line) */
    privateLink?: { label: string; payload: string; command: string };
  }[];
  status: RunState['status'];
  step: string;
  answers: Record<string, unknown>;
  /** answers left over after the flow ended */
  unused: string[];
}

export async function simulate(
  q: Queryable,
  actions: ActionRegistry,
  lookups: ConversationLookups,
  flow: FlowDefinition,
  opts: {
    answers: string[];
    locale: Locale;
    orgId: number | null;
    personId: number | null;
    /** where the simulated conversation runs (default: the private chat) */
    chatKind?: 'group' | 'private';
  },
): Promise<SimulationResult> {
  const messages: SimulationResult['messages'] = [];
  const say = (replies: Reply[]) => {
    for (const r of replies)
      messages.push({
        from: 'bot',
        text: r.text,
        choices: r.choices?.map((c) => c.label),
        ...(r.privateLink ? { privateLink: r.privateLink } : {}),
      });
  };
  const chatKind = opts.chatKind ?? 'private';
  const org = conversationOrg(opts.orgId, () => orgChain(q as Db, q, opts.orgId, null));
  const env: MachineEnv = {
    locale: opts.locale,
    context: {
      personId: opts.personId,
      orgId: opts.orgId,
      chatId: null,
      channel: 'simulator',
      chatKind,
      locale: opts.locale,
    },
    runAction: async (step, inputs) => {
      const action = actions.get(step.action);
      const failed = { 'zh-CN': engineTexts('zh-CN').failed, en: engineTexts('en').failed };
      if (!action) return { ok: false, message: failed };
      const parsed = action.input.safeParse(inputs);
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        return {
          ok: false,
          message: {
            'zh-CN': `（模拟）${step.action} 输入有误：${detail}`,
            en: `(simulation) bad inputs for ${step.action}: ${detail}`,
          },
        };
      }
      return action.run(parsed.data, {
        tx: q,
        db: q as Db,
        personId: opts.personId ?? 0,
        orgId: opts.orgId,
        orgChain: org.chain,
        chatId: null,
        chatExternalId: null,
        channel: 'simulator',
        chatKind,
        locale: opts.locale,
        dryRun: true,
        afterCommit: () => {},
      });
    },
    ...lookups(q, org, opts.locale),
  };
  let result = await enter(flow, { step: flow.start, answers: {}, attempts: 0, status: 'active' }, env);
  say(result.replies);
  const queue = [...opts.answers];
  while (result.state.status === 'active' && queue.length > 0) {
    const text = queue.shift()!;
    messages.push({ from: 'person', text });
    result = await answer(
      flow,
      result.state,
      { text, media: text === '[photo]' ? [{ kind: 'photo', ref: 'simulated-photo' }] : [] },
      env,
    );
    say(result.replies);
  }
  return {
    messages,
    status: result.state.status,
    step: result.state.step,
    answers: result.state.answers,
    unused: queue,
  };
}
