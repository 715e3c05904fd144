import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_FLOWS } from '../../src/app/builtin-flows.js';
import type { ActionRegistry } from '../../src/flows/actions.js';
import { checkFlow } from '../../src/flows/flow-check.js';
import { complaintFlow } from '../../src/modules/complaints/flows/complaint-flow.js';
import { openTestDb, type TestDb } from '../support/db.js';
import { quietServices } from '../support/services.js';

// the actions every module registers, over services on a test database (actions need their services)
let db: TestDb;
let actions: ActionRegistry;
beforeAll(async () => {
  db = await openTestDb('pglite');
  actions = quietServices(db).actions;
});
afterAll(async () => {
  await db.close();
});
const clone = () =>
  structuredClone(complaintFlow) as unknown as { [k: string]: unknown; steps: Record<string, unknown>[] };
const problemsOf = (flow: unknown) => {
  const r = checkFlow(flow, actions);
  return r.ok ? [] : r.problems.map((p) => `${p.stepId ?? '-'}|${p.field}|${p.message}`);
};

describe('flow checks', () => {
  it('accepts the built-in flows', () => {
    for (const f of BUILTIN_FLOWS) expect(problemsOf(f)).toEqual([]);
  });

  it('names the step and field of each problem', () => {
    const f = clone();
    f.steps.find((s) => s.id === 'photo')!.next = 'ghost';
    expect(problemsOf(f)).toContain('photo|next|no step "ghost"');
    const g = clone();
    g.locales = ['en'];
    expect(problemsOf(g)).toContain('-|locales|must include zh-CN');
  });

  it('finds unreachable steps and cycles that never ask', () => {
    const f = clone();
    f.steps.push(
      { id: 'a', type: 'message', text: { 'zh-CN': 'a', en: 'a' }, next: 'b' },
      {
        id: 'b',
        type: 'branch',
        cases: [{ when: { answer: 'category', equals: 'x' }, next: 'a' }],
        otherwise: 'a',
      },
    );
    const p = problemsOf(f);
    expect(p).toContain('a|id|not reachable from "place"');
    expect(p.some((x) => x.startsWith('a|next|loops without asking: a → b → a'))).toBe(true);
    // a loop through an ask is fine: the person answers each round
    const g = clone();
    g.steps.find((s) => s.id === 'dropped')!.type = 'message';
    Object.assign(g.steps.find((s) => s.id === 'dropped')!, { next: 'category' });
    expect(problemsOf(g)).toEqual([]);
  });

  it('checks actions, their inputs and the answers they read', () => {
    const f = clone();
    const file = f.steps.find((s) => s.id === 'file')!;
    file.inputs = { description: { answer: 'nothing_saved' }, colour: { value: 'red' } };
    const p = problemsOf(f);
    expect(p).toContain('file|inputs.category|required by create_complaint');
    expect(p).toContain('file|inputs.description|no step saves "nothing_saved"');
    expect(p).toContain('file|inputs.colour|create_complaint takes no input "colour"');
    file.action = 'nope';
    expect(problemsOf(f).some((x) => x.startsWith('file|action|unknown action "nope"'))).toBe(true);
  });

  it('requires every text in every declared locale, and valid patterns and options', () => {
    const f = clone();
    const step = (id: string) => f.steps.find((s) => s.id === id)!;
    (step('description').prompt as Record<string, string>) = { 'zh-CN': '只有中文' };
    Object.assign(step('description'), { validation: { pattern: '([' } });
    step('category').optionsFrom = undefined;
    const p = problemsOf(f);
    expect(p).toContain('description|prompt|missing the en text');
    expect(p).toContain('description|validation.pattern|is not a valid regular expression');
    expect(p).toContain('category|options|a choice needs options or optionsFrom');
  });

  it('checks branch conditions on the context and private links', () => {
    const f = clone();
    const step = (id: string) => f.steps.find((s) => s.id === id)!;
    // a condition names an answer or a context field, not both, not neither
    (step('place').cases as unknown[]).push({ when: { equals: 'x' }, next: 'category' });
    (step('anonymity').cases as unknown[]).push({
      when: { answer: 'category', context: 'chatKind', equals: 'x' },
      next: 'confirm',
    });
    let p = problemsOf(f);
    expect(p).toContain('place|cases.2.when|a condition tests either an answer or a context field');
    expect(p).toContain('anonymity|cases.1.when|a condition tests either an answer or a context field');

    const g = clone();
    const gStep = (id: string) => g.steps.find((s) => s.id === id)!;
    (gStep('place').cases as { when: unknown }[])[0]!.when = { context: 'room', equals: 'private' };
    (gStep('go_private').privateLink as Record<string, unknown>).payload = 'has space';
    p = problemsOf(g);
    expect(p.some((x) => x.startsWith('place|cases.0.when.context|'))).toBe(true);
    expect(p.some((x) => x.startsWith('go_private|privateLink.payload|1 to 64 of'))).toBe(true);

    const h = clone();
    const hStep = (id: string) => h.steps.find((s) => s.id === id)!;
    (hStep('go_private').privateLink as Record<string, unknown>).label = { 'zh-CN': '私聊' };
    delete hStep('go_private').text;
    p = problemsOf(h);
    expect(p).toContain('go_private|privateLink.label|missing the en text');
    expect(p).toContain('go_private|privateLink|needs the step to have a text');
  });

  it('never throws on random malformed definitions, and always lists problems', () => {
    let seed = 20261123;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const junk = (): unknown => {
      const pick = Math.floor(rand() * 9);
      return [null, undefined, 42, -1, 'x', '', [], {}, { id: 1 }][pick];
    };
    const mutate = (v: unknown, depth: number): unknown => {
      if (depth > 6 || rand() < 0.08) return junk();
      if (Array.isArray(v)) {
        const out = v.map((x) => mutate(x, depth + 1));
        if (rand() < 0.2) out.splice(Math.floor(rand() * (out.length + 1)), 0, junk());
        if (rand() < 0.2) out.pop();
        return out;
      }
      if (v && typeof v === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          if (rand() < 0.07) continue;
          out[rand() < 0.03 ? `${k}_typo` : k] = mutate(x, depth + 1);
        }
        return out;
      }
      return rand() < 0.1 ? junk() : v;
    };
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const candidate = i % 10 === 0 ? junk() : mutate(complaintFlow, 0);
      const r = checkFlow(candidate, actions);
      if (!r.ok) {
        rejected++;
        expect(r.problems.length).toBeGreaterThan(0);
        for (const p of r.problems) expect(typeof p.field).toBe('string');
      }
    }
    expect(rejected).toBeGreaterThan(300);
  });
});
