import type { OrgChain } from '../kernel/access/org-chain.js';
import type { Choice } from '../kernel/chat/port.js';
import type { Queryable } from '../kernel/db/db.js';
import type { ActionResult } from './actions.js';
import {
  type AnswerInput,
  type Location,
  locationText,
  OPTION_PREFIX,
  type Option,
  parseAnswer,
  pickOne,
} from './answers.js';
import { engineTexts } from './engine-texts.js';
import {
  type AskStep,
  type ContextField,
  type FlowDefinition,
  type Locale,
  type PrivateLink,
  render,
  type Step,
} from './flow-schema.js';

/**
 * The conversation state machine, with every effect behind `MachineEnv`: the live engine runs
 * it inside a database transaction, the simulator in memory with actions dry-run. It stops at
 * the next `ask` (whose prompt it emits) or at an `end`.
 */
export type Status = 'active' | 'completed' | 'cancelled' | 'expired' | 'failed';

export interface RunState {
  step: string;
  answers: Record<string, unknown>;
  attempts: number;
  status: Status;
}

export interface Reply {
  text: string;
  choices?: Choice[];
  /** a free-text prompt: ask Telegram to open a reply to the bot (works with privacy mode on) */
  forceReply?: boolean;
  /** carry the person into the private chat (the chat port's `privateLink`) */
  privateLink?: { label: string; payload: string; command: string };
}

export interface MachineEnv {
  locale: Locale;
  runAction(step: Extract<Step, { type: 'action' }>, inputs: Record<string, unknown>): Promise<ActionResult>;
  /** options of an `optionsFrom` ask (e.g. the compound's complaint categories) */
  dynamicOptions(source: 'categories'): Promise<Option[]>;
  /**
   * The typed location against the compound's register: the entry it is (in the register's own
   * spelling, with its id; the typed location itself where there is no register), or why not, with
   * the closest entries to offer instead
   */
  checkLocation(loc: Location): Promise<LocationCheck>;
  /** where the conversation runs, for action inputs and branch conditions (`arg` is an answer) */
  context: Partial<Record<Exclude<ContextField, 'arg'>, unknown>>;
}

/**
 * What a conversation looks up in its compound (option lists, the address register): provided by
 * the modules that own those things (complaints and units today), given to the engine and the
 * simulator at composition, so the generic engine knows no module.
 */
export type ConversationLookups = (
  q: Queryable,
  org: ConversationOrg,
  locale: Locale,
) => Pick<MachineEnv, 'dynamicOptions' | 'checkLocation'>;

/** The org a conversation runs in: its id, and its chain (read at most once a turn: `orgChain`). */
export interface ConversationOrg {
  id: number | null;
  chain(): Promise<OrgChain>;
}

/** A conversation's org for one turn: the chain read on first use, kept for the rest of the turn. */
export function conversationOrg(id: number | null, read: () => Promise<OrgChain>): ConversationOrg {
  let chain: Promise<OrgChain> | undefined;
  return {
    id,
    chain: () => {
      chain ??= read();
      return chain;
    },
  };
}

export type LocationCheck =
  | { ok: true; location: Location }
  | { ok: false; reason: string; suggestions: Location[] };

/**
 * The register entries a location ask offered after its last failed check, kept beside its answer
 * (`<save>_suggestions`) until it is answered: a button, a bare number or the label picks one.
 */
function offeredLocations(step: AskStep, answers: Record<string, unknown>): Location[] {
  const offered = answers[`${step.save}_suggestions`];
  return Array.isArray(offered) ? (offered as Location[]) : [];
}

const offeredOptions = (offered: Location[]): Option[] =>
  offered.map((l, i) => ({ value: String(i), label: locationText(l) }));

/** At most this many steps run between two asks: a guard on top of the checker's cycle rule. */
const MAX_STEPS_PER_TURN = 200;

export async function optionsOf(step: AskStep, env: MachineEnv): Promise<Option[]> {
  if (step.optionsFrom) return env.dynamicOptions(step.optionsFrom);
  return (step.options ?? []).map((o) => ({ value: o.value, label: render(o.label, env.locale) }));
}

const linkOf = (link: PrivateLink | undefined, locale: Locale): Pick<Reply, 'privateLink'> =>
  link
    ? {
        privateLink: {
          label: render(link.label, locale),
          payload: link.payload,
          command: render(link.command, locale),
        },
      }
    : {};

export async function prompt(step: AskStep, env: MachineEnv, vars: Record<string, unknown>): Promise<Reply> {
  const reply = await promptOnly(step, env, vars);
  return { ...reply, ...linkOf(step.privateLink, env.locale) };
}

async function promptOnly(step: AskStep, env: MachineEnv, vars: Record<string, unknown>): Promise<Reply> {
  const t = engineTexts(env.locale);
  let text = render(step.prompt, env.locale, vars);
  if (step.optional) text = `${text}${t.skipHint}`;
  if (step.input === 'choice') {
    const options = await optionsOf(step, env);
    return { text, choices: options.map((o) => ({ label: o.label, payload: `${OPTION_PREFIX}${o.value}` })) };
  }
  if (step.input === 'confirm') {
    return {
      text,
      choices: [
        { label: t.yes, payload: `${OPTION_PREFIX}yes` },
        { label: t.no, payload: `${OPTION_PREFIX}no` },
      ],
    };
  }
  if (step.input === 'multi_choice') {
    const options = await optionsOf(step, env);
    return {
      text: `${text}\n${options.map((o, i) => `${i + 1}. ${o.label}`).join('\n')}\n${t.multiHint}`,
      forceReply: true,
    };
  }
  if (step.input === 'location') {
    const offered = offeredLocations(step, vars);
    if (offered.length > 0)
      return {
        text: `${text}\n${t.pickOrRetype}`,
        choices: offeredOptions(offered).map((o) => ({
          label: o.label,
          payload: `${OPTION_PREFIX}${o.value}`,
        })),
      };
  }
  return { text, forceReply: true };
}

/** Runs from `state.step` until the next ask (prompted) or an end. */
export async function enter(
  flow: FlowDefinition,
  state: RunState,
  env: MachineEnv,
): Promise<{ state: RunState; replies: Reply[] }> {
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const replies: Reply[] = [];
  let s: RunState = { ...state, answers: { ...state.answers } };
  for (let i = 0; i < MAX_STEPS_PER_TURN; i++) {
    const step = byId.get(s.step);
    if (!step)
      return {
        state: { ...s, status: 'failed' },
        replies: [...replies, { text: engineTexts(env.locale).failed }],
      };
    switch (step.type) {
      case 'ask':
        replies.push(await prompt(step, env, s.answers));
        return { state: s, replies };
      case 'message':
        replies.push({
          text: render(step.text, env.locale, s.answers),
          ...linkOf(step.privateLink, env.locale),
        });
        s = { ...s, step: step.next };
        break;
      case 'branch': {
        const hit = step.cases.find((c) =>
          matches(
            c.when,
            c.when.context !== undefined
              ? contextValue(c.when.context, s.answers, env)
              : lookup(s.answers, c.when.answer ?? ''),
          ),
        );
        s = { ...s, step: hit ? hit.next : step.otherwise };
        break;
      }
      case 'action': {
        const inputs: Record<string, unknown> = {};
        for (const [name, source] of Object.entries(step.inputs)) {
          if ('answer' in source) inputs[name] = s.answers[source.answer] ?? undefined;
          else if ('value' in source) inputs[name] = source.value;
          else inputs[name] = contextValue(source.context, s.answers, env);
        }
        const result = await env.runAction(step, inputs);
        if (result.ok) {
          s = { ...s, answers: { ...s.answers, [step.save ?? step.id]: result.output }, step: step.next };
        } else {
          replies.push({ text: render(result.message, env.locale, s.answers) });
          if (!step.onError) return { state: { ...s, status: 'failed' }, replies };
          s = { ...s, step: step.onError };
        }
        break;
      }
      case 'end':
        if (step.text)
          replies.push({
            text: render(step.text, env.locale, s.answers),
            ...linkOf(step.privateLink, env.locale),
          });
        return { state: { ...s, status: 'completed' }, replies };
    }
  }
  return {
    state: { ...s, status: 'failed' },
    replies: [...replies, { text: engineTexts(env.locale).failed }],
  };
}

/** Takes an answer at the current ask: re-prompts with the reason, ends after too many tries, or moves on. */
export async function answer(
  flow: FlowDefinition,
  state: RunState,
  input: AnswerInput,
  env: MachineEnv,
): Promise<{ state: RunState; replies: Reply[] }> {
  const step = flow.steps.find((x) => x.id === state.step);
  if (step?.type !== 'ask') return enter(flow, state, env);
  const options = await optionsOf(step, env);
  let parsed = parseAnswer(step, input, options, env.locale);
  let answersNow = state.answers;
  if (step.input === 'location') {
    const offered = offeredLocations(step, state.answers);
    const picked =
      offered.length > 0 ? pickOne(input, input.text?.trim(), offeredOptions(offered)) : undefined;
    if (picked) parsed = { ok: true, value: offered[Number(picked.value)] };
    else if (parsed.ok && parsed.value) {
      const check = await env.checkLocation(parsed.value as Location);
      if (check.ok) parsed = { ok: true, value: check.location };
      else {
        parsed = { ok: false, reason: check.reason };
        // what was offered last stays on offer when nothing new is
        if (check.suggestions.length > 0)
          answersNow = { ...answersNow, [`${step.save}_suggestions`]: check.suggestions };
      }
    }
  }
  if (!parsed.ok) {
    const attempts = state.attempts + 1;
    if (attempts >= step.maxAttempts) {
      return {
        state: { ...state, attempts, status: 'failed' },
        replies: [{ text: engineTexts(env.locale).tooManyAttempts }],
      };
    }
    const again = await prompt(step, env, answersNow);
    const retry = render(step.retryPrompt, env.locale, answersNow);
    return {
      state: { ...state, answers: answersNow, attempts },
      replies: [{ ...again, text: `${parsed.reason}${retry}\n${again.text}` }],
    };
  }
  const answers: Record<string, unknown> = { ...state.answers, [step.save]: parsed.value };
  delete answers[`${step.save}_suggestions`];
  // a choice is saved as its value; its label is kept beside it for texts ({{category_label}})
  if (step.input === 'choice')
    answers[`${step.save}_label`] = options.find((o) => o.value === parsed.value)?.label;
  if (step.input === 'location' && parsed.value) {
    const l = parsed.value as Location;
    answers[`${step.save}_text`] = locationText(l);
  }
  return enter(flow, { ...state, attempts: 0, answers, step: step.next }, env);
}

function contextValue(field: ContextField, answers: Record<string, unknown>, env: MachineEnv): unknown {
  return field === 'arg' ? answers.arg : env.context[field];
}

function lookup(answers: Record<string, unknown>, path: string): unknown {
  let v: unknown = answers;
  for (const part of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function matches(when: { equals?: unknown; in?: unknown[]; exists?: boolean }, value: unknown): boolean {
  if (when.exists !== undefined && (value !== undefined && value !== null) !== when.exists) return false;
  if (when.equals !== undefined && value !== when.equals) return false;
  if (when.in !== undefined && !when.in.includes(value as string | number)) return false;
  return true;
}
