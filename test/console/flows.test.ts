import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { ADMIN_TOKEN, startTelegramLinli, type TelegramLinli } from '../support/telegram-linli.js';

type Step = { id: string; next?: string; prompt?: Record<string, string> };
type Definition = { steps: Step[] } & Record<string, unknown>;

const PROMPT = '邻居您好！请问遇到了哪一类问题？';

/**
 * The Flows page in headless Chromium against Linli with the demo city: an admin opens a compound's
 * complaint flow, saves a draft whose step points at a step that does not exist (the server's 422 is
 * shown at that step, in the editor and the list, and nothing is saved), fixes it, simulates a couple
 * of steps, publishes it and sees version 1; a viewer sees it all read-only.
 */
describe.runIf(hasChromium())('the Flows page in a browser', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let happy: { id: number; name: string };

  /** Replaces the editor's whole text, as a person selecting all and pasting would. */
  async function replaceEditorText(page: Page, text: string) {
    await page.locator('[data-test=flow-editor] .cm-content').click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  async function pickCompound(page: Page) {
    await page.locator('[data-test=menu-flows]').click();
    await page.locator('[data-test=flows-org]').click();
    await page.locator('[data-test=flows-org] input').fill('幸福里');
    await page.locator(`[data-test=flows-org-${happy.id}]`).click();
    await page.waitForURL(new RegExp(`orgId=${happy.id}`));
  }

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    const compounds = (await t.json('GET', '/orgs?kind=compound')).items as { id: number; name: string }[];
    happy = compounds.find((o) => o.name === '幸福里小区')!;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('edits, checks, simulates and publishes a compound’s complaint flow', async () => {
    const inherited = await t.json('GET', `/flows/complaint?orgId=${happy.id}`);
    expect(inherited.status).toBe('inherited');
    const original = inherited.definition as Definition;
    const originalNext = original.steps.find((s) => s.id === 'description')!.next;
    expect(originalNext).toBe('location');

    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await pickCompound(page);
    // the complaint flow in force comes built in, and the compound has none of its own
    await expect.poll(() => page.locator('[data-test=source-complaint]').textContent()).toContain('内置');
    expect(await page.locator('[data-test=status-complaint]').textContent()).toContain('继承');
    await page.locator('[data-test=open-flow-complaint]').click();
    await page.locator('[data-test=flow-editor] .cm-content').waitFor();
    expect(await page.locator('[data-test=flow-status]').textContent()).toContain('继承');
    // the diagram has a box per step
    await page.locator('#tab-diagram').click();
    await page.locator('[data-test=node-description]').waitFor();
    expect(await page.locator('[data-test=edge-missing]').count()).toBe(0);
    await page.locator('#tab-editor').click();

    // a step's next pointing nowhere: 422, shown at that step
    const bad = structuredClone(original);
    bad.steps.find((s) => s.id === 'description')!.next = 'nowhere';
    await replaceEditorText(page, JSON.stringify(bad, null, 2));
    await page.locator('[data-test=flow-save]').click();
    const problem = page.locator('[data-test=problem-description]');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('步骤 description');
    expect(await problem.textContent()).toContain('next');
    expect(await problem.textContent()).toContain('没有步骤「nowhere」'); // the checker's words, in Chinese
    // in the editor (clicking the problem scrolls to it): the lint range covers the step's `next`,
    // with a marker in the gutter
    await problem.click();
    await expect
      .poll(() => page.locator('[data-test=flow-editor] .cm-lintRange-error').allTextContents())
      .toContainEqual(expect.stringContaining('"next": "nowhere"'));
    expect(await page.locator('[data-test=flow-editor] .cm-lint-marker-error').count()).toBeGreaterThan(0);
    // the diagram marks the arrow to nowhere
    await page.locator('#tab-diagram').click();
    await page.locator('[data-test=edge-missing]').first().waitFor();
    expect(await page.locator('[data-test=edge-missing]').first().textContent()).toContain('nowhere');
    await page.locator('#tab-editor').click();
    // nothing was saved: the compound still has no draft, and the step still goes on to `location`
    const after = await t.json('GET', `/flows/complaint?orgId=${happy.id}`);
    expect(after.status).toBe('inherited');
    expect((after.definition as Definition).steps.find((s) => s.id === 'description')!.next).toBe('location');

    // fixed, and worded the compound's own way
    const good = structuredClone(original);
    good.steps.find((s) => s.id === 'category')!.prompt = {
      'zh-CN': PROMPT,
      en: 'Hi neighbour! What kind of problem?',
    };
    await replaceEditorText(page, JSON.stringify(good, null, 2));
    await page.locator('[data-test=flow-save]').click();
    await expect.poll(() => page.locator('[data-test=flow-status]').textContent()).toContain('草稿');
    expect(await page.locator('[data-test=problem-description]').count()).toBe(0);
    await expect.poll(() => page.locator('[data-test=flow-editor] .cm-lintRange-error').count()).toBe(0);
    const draft = await t.json('GET', `/flows/complaint?orgId=${happy.id}`);
    expect(draft).toMatchObject({ status: 'draft', orgId: happy.id, version: 0 });
    expect((draft.definition as Definition).steps.find((s) => s.id === 'category')!.prompt!['zh-CN']).toBe(
      PROMPT,
    );

    // the simulator: the bot asks with the new wording and buttons; a button answers
    await page.locator('#tab-simulator').click();
    await page.locator('[data-test=sim-restart]').click();
    await expect.poll(() => page.locator('[data-test=sim-bot]').last().textContent()).toContain(PROMPT);
    const choices = page.locator('[data-test=sim-bot]').last().locator('[data-test=sim-choice]');
    expect(await choices.count()).toBeGreaterThan(1);
    const label = (await choices.first().textContent())!.trim();
    await choices.first().click();
    await expect.poll(() => page.locator('[data-test=sim-person]').first().textContent()).toContain(label);
    await expect
      .poll(() => page.locator('[data-test=sim-bot]').last().textContent())
      .toContain('请简单说一下');
    await page.locator('input[data-test=sim-input], [data-test=sim-input] input').fill('楼道灯坏了好几天了');
    await page.locator('[data-test=sim-send]').click();
    await expect
      .poll(() => page.locator('[data-test=sim-person]').last().textContent())
      .toContain('楼道灯坏了好几天了');
    await expect.poll(() => page.locator('[data-test=sim-bot]').last().textContent()).toContain('问题在哪儿');
    expect(await page.locator('[data-test=sim-state]').textContent()).toContain('location');

    // publish: version 1 in the versions list
    await page.locator('[data-test=flow-publish]').click();
    await page.locator('.el-message-box__btns .el-button--primary').click();
    await page.locator('[data-test=versions] [data-test=version-1]').waitFor();
    await expect.poll(() => page.locator('[data-test=flow-status]').textContent()).toContain('已发布');
    const versions = await t.json('GET', `/flows/complaint/versions?orgId=${happy.id}`);
    expect(versions.items.map((v: { version: number }) => v.version)).toEqual([1]);
    const list = await t.json('GET', `/flows?orgId=${happy.id}`);
    expect(list.items.find((f: { key: string }) => f.key === 'complaint')).toMatchObject({
      orgId: happy.id,
      version: 1,
    });
    // the diff of v1 against the editor's text (changed, unsaved) shows the change line by line
    await page.locator('#tab-editor').click();
    const edited = structuredClone(good);
    edited.steps.find((s) => s.id === 'category')!.prompt = {
      'zh-CN': '请选择问题类别：',
      en: 'Pick a kind:',
    };
    await replaceEditorText(page, JSON.stringify(edited, null, 2));
    await page.locator('#tab-versions').click();
    await page.locator('[data-test=diff-b]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '编辑器中的内容' }).click();
    await expect
      .poll(() => page.locator('[data-test=diff] .line.del').allTextContents())
      .toContainEqual(expect.stringContaining(PROMPT));
    expect(await page.locator('[data-test=diff] .line.add').allTextContents()).toContainEqual(
      expect.stringContaining('请选择问题类别：'),
    );
    expect(problems).toEqual([]);
  });

  it('creates a flow under a new key as a draft; a key in use is refused before anything is written', async () => {
    const { token } = await t.json('POST', '/tokens', {
      orgId: happy.id,
      role: 'admin',
      label: '流程管理员',
    });
    const { page, problems } = await newPage();
    await signIn(page, t.base, token);
    await page.locator('[data-test=menu-flows]').click();
    await page.locator('[data-test=open-flow-complaint]').waitFor();
    await page.locator('[data-test=flow-new]').click();
    // the complaint flow is in force here (the compound's own): its draft is not overwritten
    await page.locator('input[data-test=flow-new-key]').fill('complaint');
    await page.locator('[data-test=flow-new-create]').click();
    await page
      .locator('[data-test=flow-new-form] .el-form-item__error', { hasText: '此标识已有流程' })
      .waitFor();
    expect((await t.json('GET', `/flows/complaint/versions?orgId=${happy.id}`)).items).toHaveLength(1);

    await page.locator('input[data-test=flow-new-key]').fill('parking-permit');
    await page.locator('input[data-test=flow-new-zh]').fill('停车证申请');
    await page.locator('[data-test=flow-new-create]').click();
    await page.waitForURL(new RegExp(`/console/flows/parking-permit\\?orgId=${happy.id}`));
    await expect.poll(() => page.locator('[data-test=flow-status]').textContent()).toContain('草稿');
    const draft = await t.json('GET', `/flows/parking-permit?orgId=${happy.id}`);
    expect(draft).toMatchObject({
      status: 'draft',
      orgId: happy.id,
      version: 0,
      definition: {
        name: { 'zh-CN': '停车证申请', en: '停车证申请' },
        triggers: [{ type: 'command', command: 'parking_permit' }],
        start: 'hello',
      },
    });
    // not in force until published: listed among the org's new drafts, and found by its key too
    await page.locator('[data-test=menu-flows]').click();
    await page.locator('[data-test=open-flow-complaint]').waitFor();
    expect(await page.locator('[data-test=open-flow-parking-permit]').count()).toBe(0);
    await page.locator('[data-test=new-drafts]').getByText('停车证申请').waitFor();
    await page.locator('[data-test=open-draft-parking-permit]').click();
    await page.waitForURL(/\/console\/flows\/parking-permit/);
    await expect.poll(() => page.locator('[data-test=flow-status]').textContent()).toContain('草稿');
    await page.locator('[data-test=menu-flows]').click();
    await page.locator('[data-test=open-flow-complaint]').waitFor();
    await page.locator('input[data-test=flow-key]').fill('parking-permit');
    await page.locator('[data-test=flow-open-key]').click();
    await page.waitForURL(/\/console\/flows\/parking-permit/);
    await expect.poll(() => page.locator('[data-test=flow-status]').textContent()).toContain('草稿');
    expect(problems).toEqual([]);
  });

  it('a viewer sees the flows read-only', async () => {
    const { token } = await t.json('POST', '/tokens', { orgId: happy.id, role: 'viewer', label: '查看流程' });
    const { page, problems } = await newPage();
    await signIn(page, t.base, token);
    await page.locator('[data-test=menu-flows]').click();
    await page.locator('[data-test=open-flow-complaint]').waitFor();
    expect(await page.locator('[data-test=flow-new]').count()).toBe(0);
    await page.locator('[data-test=open-flow-complaint]').click();
    await page.locator('[data-test=flow-read-only]').waitFor();
    expect(await page.locator('[data-test=flow-save]').count()).toBe(0);
    expect(await page.locator('[data-test=flow-publish]').count()).toBe(0);
    expect(await page.locator('[data-test=flow-editor] .cm-content').getAttribute('contenteditable')).toBe(
      'false',
    );
    // the versions and the simulator are there to read and try
    await page.locator('#tab-versions').click();
    await page.locator('[data-test=versions] [data-test=version-1]').waitFor();
    await page.locator('#tab-simulator').click();
    await page.locator('[data-test=sim-restart]').click();
    await page.locator('[data-test=sim-bot]').first().waitFor();
    expect(problems).toEqual([]);
  });
});
