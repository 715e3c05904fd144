import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import { complaintFlow } from '../../src/modules/complaints/flows/complaint-flow.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../support/app.js';
import { engines } from '../support/env.js';

const reworded = () => ({
  ...structuredClone(complaintFlow),
  steps: complaintFlow.steps.map((s) =>
    s.id === 'category' && s.type === 'ask'
      ? { ...s, prompt: { 'zh-CN': '邻居您好！遇到什么事了？', en: 'Hi neighbour! What happened?' } }
      : s,
  ),
});

describe.each(engines())('flows over HTTP on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    await seedBuiltinFlows(t.db, t.services.actions);
  });
  afterAll(() => t.close());

  it('a compound inherits the built-in flow, words its own draft, publishes it; its sibling keeps the default', async () => {
    const inherited = await t.call({ method: 'GET', url: `/api/v1/flows/complaint?orgId=${tree.compoundA}` });
    expect(inherited.body).toMatchObject({ status: 'inherited', inheritedFrom: null, version: 1 });
    const put = await t.call({
      method: 'PUT',
      url: `/api/v1/flows/complaint?orgId=${tree.compoundA}`,
      body: reworded(),
    });
    expect(put.status).toBe(200);
    expect(put.body.status).toBe('draft');
    const pub = await t.call({
      method: 'POST',
      url: `/api/v1/flows/complaint/publish?orgId=${tree.compoundA}`,
    });
    expect(pub.status).toBe(201);
    expect(pub.body.version).toBe(1);
    const mine = await t.call({ method: 'GET', url: `/api/v1/flows?orgId=${tree.compoundA}` });
    expect(mine.body.items.find((f: { key: string }) => f.key === 'complaint')).toMatchObject({
      orgId: tree.compoundA,
    });
    const sibling = await t.call({ method: 'GET', url: `/api/v1/flows?orgId=${tree.compoundB}` });
    expect(sibling.body.items.find((f: { key: string }) => f.key === 'complaint')).toMatchObject({
      orgId: null,
      builtin: true,
    });
    const versions = await t.call({
      method: 'GET',
      url: `/api/v1/flows/complaint/versions?orgId=${tree.compoundA}`,
    });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    const one = await t.call({
      method: 'GET',
      url: `/api/v1/flows/complaint/versions/1?orgId=${tree.compoundA}`,
    });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      key: 'complaint',
      orgId: tree.compoundA,
      version: 1,
      status: 'published',
    });
    expect(one.body.definition.steps.find((s: { id: string }) => s.id === 'category').prompt['zh-CN']).toBe(
      '邻居您好！遇到什么事了？',
    );
    const none = await t.call({
      method: 'GET',
      url: `/api/v1/flows/complaint/versions/7?orgId=${tree.compoundA}`,
    });
    expect(none.status).toBe(404);
    // the sibling has no version of its own: the global ones are not its
    const sibling0 = await t.call({
      method: 'GET',
      url: `/api/v1/flows/complaint/versions/1?orgId=${tree.compoundB}`,
    });
    expect(sibling0.status).toBe(404);
  });

  it('a bad flow gets 422 listing every problem by step and field, and nothing is saved', async () => {
    const bad = structuredClone(complaintFlow) as unknown as { steps: Record<string, unknown>[] };
    const step = (id: string) => bad.steps.find((x) => x.id === id)!;
    step('description').next = 'nowhere';
    step('file').action = 'launch_rocket';
    (step('category').prompt as Record<string, string>).en = undefined as unknown as string;
    bad.steps.push({ id: 'island', type: 'message', text: { 'zh-CN': '孤岛', en: 'island' }, next: 'loop' });
    bad.steps.push({ id: 'loop', type: 'message', text: { 'zh-CN': '循环', en: 'loop' }, next: 'island' });
    const r = await t.call({
      method: 'PUT',
      url: `/api/v1/flows/complaint?orgId=${tree.compoundB}`,
      body: bad,
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('invalid_flow');
    const fields = r.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'steps.description.next',
        'steps.file.action',
        'steps.category.prompt',
        'steps.island.id',
        'steps.island.next',
      ]),
    );
    const after = await t.call({ method: 'GET', url: `/api/v1/flows/complaint?orgId=${tree.compoundB}` });
    expect(after.body.status).toBe('inherited');
  });

  it('simulates answers with actions dry-run: the bot’s messages, nothing written', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/flows/complaint/simulate?orgId=${tree.compoundB}`,
      body: { answers: ['电梯', '3号电梯停在5楼不动了', '跳过', '跳过', '否', '是'] },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('completed');
    expect(r.body.messages.at(-1).text).toBe('已受理！您的报事编号是 20260101-0000。处理进展会及时通知您。');
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM linli.complaints');
    expect(rows[0]?.n).toBe(0);
  });

  it('simulates a group chat: the offer to go private (its link), and no anonymity question there', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/flows/complaint/simulate?orgId=${tree.compoundB}`,
      body: { chatKind: 'group', answers: ['1', '电梯', '3号电梯停在5楼不动了', '跳过', '跳过', '是'] },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('completed');
    const bot = r.body.messages.filter((m: { from: string }) => m.from === 'bot');
    expect(bot[0]).toMatchObject({
      choices: ['在群里继续（不匿名）'],
      privateLink: { label: '私聊报事', payload: 'complaint', command: '投诉' },
    });
    expect(bot.some((m: { text: string }) => m.text.includes('要匿名吗'))).toBe(false);
    expect(bot.at(-1).text).toBe('已受理！您的报事编号是 20260101-0000。处理进展会及时通知您。');
  });

  it('a malformed definition gets 422 by step on PUT and simulate, the rest of the body a 400', async () => {
    const bad = structuredClone(complaintFlow) as unknown as { steps: Record<string, unknown>[] };
    // a shape problem (not a step id), which schema validation alone would answer with a 400
    bad.steps.find((x) => x.id === 'description')!.next = 'Nowhere!';
    const url = (path: string) => `/api/v1/flows/complaint${path}?orgId=${tree.compoundB}`;
    for (const r of [
      await t.call({ method: 'PUT', url: url(''), body: bad }),
      await t.call({ method: 'POST', url: url('/simulate'), body: { answers: [], definition: bad } }),
    ]) {
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('invalid_flow');
      expect(r.body.error.details.map((d: { field: string }) => d.field)).toEqual(['steps.description.next']);
    }
    const wrong = await t.call({
      method: 'POST',
      url: url('/simulate'),
      body: { answers: 'not a list', definition: complaintFlow },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.map((d: { field: string }) => d.field)).toEqual(['body.answers']);
  });

  it('only a superuser edits the global flows; a viewer never writes', async () => {
    const admin = await tokenFor(t, tree.compoundB, 'admin');
    const viewer = await tokenFor(t, tree.compoundB, 'viewer');
    const global = await t.call({
      method: 'PUT',
      url: '/api/v1/flows/complaint',
      token: admin,
      body: reworded(),
    });
    expect(global.status).toBe(200); // a scoped token's draft lands at its own org
    expect(global.body.orgId).toBe(tree.compoundB);
    expect(
      (
        await t.call({
          method: 'PUT',
          url: `/api/v1/flows/complaint?orgId=${tree.compoundB}`,
          token: viewer,
          body: reworded(),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.call({
          method: 'PUT',
          url: `/api/v1/flows/complaint?orgId=${tree.compoundA}`,
          token: admin,
          body: reworded(),
        })
      ).status,
    ).toBe(404);
  });
  it("lists the org's drafts beside the flows in force: a new key's until it is published, a reworded one's as in force", async () => {
    const draft = {
      name: { 'zh-CN': '噪音登记', en: 'Noise log' },
      locales: ['zh-CN', 'en'],
      triggers: [{ type: 'command', command: 'noise' }],
      start: 'hello',
      steps: [
        { id: 'hello', type: 'message', text: { 'zh-CN': '记下了。', en: 'Noted.' }, next: 'done' },
        { id: 'done', type: 'end' },
      ],
    };
    const put = await t.call({
      method: 'PUT',
      url: `/api/v1/flows/noise?orgId=${tree.compoundB}`,
      body: draft,
    });
    expect(put.status).toBe(200);
    const reword = await t.call({
      method: 'PUT',
      url: `/api/v1/flows/complaint?orgId=${tree.compoundB}`,
      body: reworded(),
    });
    expect(reword.status).toBe(200);
    const list = await t.call({ method: 'GET', url: `/api/v1/flows?orgId=${tree.compoundB}` });
    expect(list.body.items.map((f: { key: string }) => f.key)).not.toContain('noise');
    expect(list.body.drafts).toEqual([
      expect.objectContaining({ key: 'complaint', inForce: true }),
      expect.objectContaining({ key: 'noise', name: draft.name, inForce: false }),
    ]);
    // another compound's drafts are not this one's
    const other = await t.call({ method: 'GET', url: `/api/v1/flows?orgId=${tree.compoundA}` });
    expect(other.body.drafts.map((d: { key: string }) => d.key)).not.toContain('noise');
    await t.call({ method: 'POST', url: `/api/v1/flows/noise/publish?orgId=${tree.compoundB}` });
    await t.call({ method: 'POST', url: `/api/v1/flows/complaint/publish?orgId=${tree.compoundB}` });
    const after = await t.call({ method: 'GET', url: `/api/v1/flows?orgId=${tree.compoundB}` });
    expect(after.body.drafts).toEqual([]);
    expect(after.body.items.map((f: { key: string }) => f.key)).toContain('noise');
  });
});
