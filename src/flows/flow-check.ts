import type { ActionRegistry } from './actions.js';
import { type FlowDefinition, flowDefinitionSchema, type Step, type Text } from './flow-schema.js';

/**
 * Checks a flow before it is saved. Never throws: any input, however malformed, gives either a
 * parsed definition or a list of problems, each naming the step (when there is one) and field.
 *
 * Rules: the shape (zod); unique step ids; `start` and every `next`/`otherwise`/`onError` name a
 * step; every step is reachable from `start`; no cycle passes only through steps that do not ask
 * (it would loop forever without the person); every action exists and gets its required inputs,
 * from answers some `ask` saves; branches test saved answers (or a context field); an `end`'s
 * `privateLink` rides on its text; choices have options; every text
 * exists in every declared locale; `zh-CN` is declared; patterns compile.
 */
export interface FlowProblem {
  stepId?: string;
  field: string;
  message: string;
}

export type CheckResult = { ok: true; flow: FlowDefinition } | { ok: false; problems: FlowProblem[] };

export function checkFlow(input: unknown, actions: ActionRegistry): CheckResult {
  const parsed = flowDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    const raw = input as { steps?: { id?: unknown }[] } | null;
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        if (path[0] === 'steps' && path.length > 1) {
          const idx = Number(path[1]);
          const id = Array.isArray(raw?.steps) ? raw.steps[idx]?.id : undefined;
          return {
            stepId: typeof id === 'string' ? id : `#${idx}`,
            field: path.slice(2).join('.') || 'step',
            message: issue.message,
          };
        }
        return { field: path.join('.') || 'flow', message: issue.message };
      }),
    };
  }
  const flow = parsed.data;
  const problems: FlowProblem[] = [];
  const add = (stepId: string | undefined, field: string, message: string) =>
    problems.push({ stepId, field, message });

  if (!flow.locales.includes('zh-CN')) add(undefined, 'locales', 'must include zh-CN');
  const byId = new Map<string, Step>();
  for (const s of flow.steps) {
    if (byId.has(s.id)) add(s.id, 'id', 'duplicate step id');
    byId.set(s.id, s);
  }
  if (!byId.has(flow.start)) add(undefined, 'start', `no step "${flow.start}"`);

  const saved = new Set(
    flow.steps.flatMap((s) => (s.type === 'ask' ? [s.save] : s.type === 'action' ? [s.save ?? s.id] : [])),
  );
  const checkText = (stepId: string | undefined, field: string, t: Text | undefined) => {
    if (!t) return;
    for (const l of flow.locales) if (!t[l]) add(stepId, field, `missing the ${l} text`);
  };
  checkText(undefined, 'name', flow.name);

  for (const s of flow.steps) {
    for (const [field, target] of nextsOf(s)) if (!byId.has(target)) add(s.id, field, `no step "${target}"`);
    if ((s.type === 'ask' || s.type === 'message' || s.type === 'end') && s.privateLink) {
      checkText(s.id, 'privateLink.label', s.privateLink.label);
      checkText(s.id, 'privateLink.command', s.privateLink.command);
    }
    switch (s.type) {
      case 'ask': {
        checkText(s.id, 'prompt', s.prompt);
        checkText(s.id, 'retryPrompt', s.retryPrompt);
        const choosing = s.input === 'choice' || s.input === 'multi_choice';
        if (choosing && !s.options && !s.optionsFrom)
          add(s.id, 'options', `a ${s.input} needs options or optionsFrom`);
        if (!choosing && (s.options || s.optionsFrom)) add(s.id, 'options', `a ${s.input} takes no options`);
        for (const [i, o] of (s.options ?? []).entries()) checkText(s.id, `options.${i}.label`, o.label);
        const values = s.options?.map((o) => o.value) ?? [];
        if (new Set(values).size !== values.length) add(s.id, 'options', 'option values must differ');
        const v = s.validation;
        if (v?.pattern !== undefined) {
          try {
            new RegExp(v.pattern, 'u');
          } catch {
            add(s.id, 'validation.pattern', 'is not a valid regular expression');
          }
        }
        if (v?.min !== undefined && v.max !== undefined && v.min > v.max)
          add(s.id, 'validation.min', 'is above max');
        if (v?.minLength !== undefined && v.maxLength !== undefined && v.minLength > v.maxLength) {
          add(s.id, 'validation.minLength', 'is above maxLength');
        }
        break;
      }
      case 'message':
        checkText(s.id, 'text', s.text);
        break;
      case 'end':
        checkText(s.id, 'text', s.text);
        // the link rides on the end's text: without one nothing would carry it
        if (s.privateLink && !s.text) add(s.id, 'privateLink', 'needs the step to have a text');
        break;
      case 'branch':
        s.cases.forEach((c, i) => {
          if (c.when.answer === undefined) return; // a context field: always there
          const root = c.when.answer.split('.')[0]!;
          if (!saved.has(root)) add(s.id, `cases.${i}.when.answer`, `no step saves "${root}"`);
        });
        break;
      case 'action': {
        const action = actions.get(s.action);
        if (!action) {
          add(s.id, 'action', `unknown action "${s.action}" (known: ${actions.names().join(', ')})`);
          break;
        }
        for (const required of actions.requiredInputs(s.action)) {
          if (!(required in s.inputs)) add(s.id, `inputs.${required}`, `required by ${s.action}`);
        }
        const known = new Set(actions.knownInputs(s.action));
        for (const [name, source] of Object.entries(s.inputs)) {
          if (!known.has(name)) add(s.id, `inputs.${name}`, `${s.action} takes no input "${name}"`);
          if ('answer' in source && !saved.has(source.answer))
            add(s.id, `inputs.${name}`, `no step saves "${source.answer}"`);
        }
        break;
      }
    }
  }

  if (byId.has(flow.start)) {
    const reached = new Set<string>();
    const todo = [flow.start];
    while (todo.length) {
      const id = todo.pop()!;
      if (reached.has(id) || !byId.has(id)) continue;
      reached.add(id);
      for (const [, t] of nextsOf(byId.get(id)!)) todo.push(t);
    }
    for (const s of flow.steps) if (!reached.has(s.id)) add(s.id, 'id', `not reachable from "${flow.start}"`);
  }
  for (const cycle of silentCycles(flow.steps, byId))
    add(cycle[0], 'next', `loops without asking: ${cycle.join(' → ')}`);

  return problems.length ? { ok: false, problems } : { ok: true, flow };
}

/** The steps a step can go to, with the field that names each. */
export function nextsOf(s: Step): [string, string][] {
  switch (s.type) {
    case 'ask':
    case 'message':
      return [['next', s.next]];
    case 'action':
      return s.onError
        ? [
            ['next', s.next],
            ['onError', s.onError],
          ]
        : [['next', s.next]];
    case 'branch':
      return [
        ...s.cases.map((c, i): [string, string] => [`cases.${i}.next`, c.next]),
        ['otherwise', s.otherwise],
      ];
    case 'end':
      return [];
  }
}

/** Cycles among steps that never wait for the person (asks break a cycle). */
function silentCycles(steps: Step[], byId: Map<string, Step>): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (id: string) => {
    const s = byId.get(id);
    if (!s || s.type === 'ask') return;
    const st = state.get(id);
    if (st === 'done') return;
    if (st === 'visiting') {
      cycles.push([...stack.slice(stack.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const [, t] of nextsOf(s)) visit(t);
    stack.pop();
    state.set(id, 'done');
  };
  for (const s of steps) visit(s.id);
  return cycles;
}
