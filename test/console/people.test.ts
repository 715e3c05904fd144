import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { startTelegramLinli, type TelegramLinli } from '../support/telegram-linli.js';

type PersonDetail = {
  id: number;
  name: string;
  phone: string | null;
  orgId: number | null;
  mergedInto: number | null;
  identities: { channel: string; externalId: string; displayName: string | null }[];
};

/**
 * Editing people in headless Chromium against Linli with the demo city: a compound's admin creates
 * a person, adds their Telegram account (a taken one refused in Chinese, naming its holder), edits
 * them and merges a second record of them into the first after confirming; a viewer gets none of
 * it. The scene is set through the HTTP API only.
 */
describe.runIf(hasChromium())('editing people in the console', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let compound: { id: number; name: string };
  let adminToken: string;
  let viewerToken: string;
  let created: PersonDetail;

  const input = (page: Page, test: string) => page.locator(`input[data-test="${test}"]`);
  const person = async (id: number): Promise<PersonDetail> => t.json('GET', `/people/${id}`);

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    const community = (await t.json('GET', `/orgs?kind=community&q=${encodeURIComponent('和平社区')}`))
      .items[0];
    compound = await t.json('POST', '/orgs', { kind: 'compound', name: '人员小区', parentId: community.id });
    adminToken = (await t.json('POST', '/tokens', { orgId: compound.id, role: 'admin', label: '人员管理员' }))
      .token;
    viewerToken = (await t.json('POST', '/tokens', { orgId: compound.id, role: 'viewer', label: '人员查看' }))
      .token;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('creates a person and adds their Telegram account; an account already linked is refused in words', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-people]').click();
    await page.locator('[data-test=people]').getByText('暂无数据').waitFor();
    await page.locator('[data-test=person-new]').click();
    // a name is required, before anything is sent
    await page.locator('[data-test=person-create]').click();
    await page.locator('[data-test=person-form] .el-form-item__error', { hasText: '必填' }).waitFor();
    await input(page, 'new-name').fill('孙小美');
    await input(page, 'new-phone').fill('13912345678');
    await page.locator('[data-test=person-create]').click();
    const drawer = page.locator('[data-test=person-detail]');
    await drawer.getByText('孙小美 #').waitFor();
    const found = (await t.json('GET', `/people?q=${encodeURIComponent('孙小美')}`)).items;
    expect(found).toEqual([
      expect.objectContaining({ name: '孙小美', phone: '13912345678', orgId: compound.id, locale: 'zh-CN' }),
    ]);
    created = await person(found[0].id);
    await page.locator('[data-test=people] .el-table__row', { hasText: '孙小美' }).waitFor();

    await input(page, 'identity-external-id').fill('7007001');
    await input(page, 'identity-display-name').fill('小美');
    await page.locator('[data-test=identity-add]').click();
    await drawer.locator('[data-test=identity]', { hasText: 'Telegram: 小美 (7007001)' }).waitFor();
    expect((await person(created.id)).identities).toEqual([
      expect.objectContaining({ channel: 'telegram', externalId: '7007001', displayName: '小美' }),
    ]);

    // the same account on another person: the API's 409, in Chinese, at the field
    const other = await t.json('POST', '/people', { name: '孙小美（旧）', orgId: compound.id });
    await page.goto(`${t.base}/console/people?person=${other.id}`);
    await drawer.getByText(`孙小美（旧） #${other.id}`).waitFor();
    await input(page, 'identity-external-id').fill('7007001');
    await page.locator('[data-test=identity-add]').click();
    await expect
      .poll(() => drawer.locator('[data-test=identity-error]').textContent())
      .toContain(`已关联到人员 #${created.id}`);
    await drawer.locator('.el-form-item__error', { hasText: `已关联到人员 #${created.id}` }).waitFor();
    expect((await person(other.id)).identities).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('edits a person, and merges a second record of them into the first after confirming', async () => {
    const second = await t.json('POST', '/people', {
      name: '孙晓美',
      orgId: compound.id,
      phone: '13800001111',
    });
    expect(
      (
        await t.api('POST', `/people/${second.id}/identities`, {
          channel: 'wechat',
          externalId: 'wxid_sunxm',
        })
      ).status,
    ).toBe(201);
    const { page, problems } = await newPage({ width: 390, height: 844 }); // a phone
    await signIn(page, t.base, adminToken);
    await page.goto(`${t.base}/console/people`);
    await page.locator(`[data-test=person-open-${created.id}]`).click();
    const drawer = page.locator('[data-test=person-detail]');
    await drawer.getByText(`孙小美 #${created.id}`).waitFor();

    await input(page, 'edit-phone').fill('13912340000');
    await page.locator('[data-test=edit-save]').click();
    await expect.poll(async () => (await person(created.id)).phone).toBe('13912340000');

    await page.locator('[data-test=merge-from]').click();
    await page.locator('[data-test=merge-from] input').fill('孙晓');
    await page.locator(`[data-test=merge-from-${second.id}]`).click();
    await page.locator('[data-test=merge]').click();
    const box = page.locator('.el-message-box');
    await box.getByText(`将人员 #${second.id} 并入 孙小美 #${created.id}`).waitFor();
    // cancelled first: nothing happens
    await box.locator('button', { hasText: '取消' }).click();
    expect((await person(second.id)).mergedInto).toBeNull();
    await page.locator('[data-test=merge]').click();
    await box.locator('button', { hasText: '合并人员' }).click();
    await drawer.locator('[data-test=identity]', { hasText: 'wxid_sunxm' }).waitFor();
    expect((await person(second.id)).mergedInto).toBe(created.id);
    expect((await person(created.id)).identities.map((i) => `${i.channel}:${i.externalId}`).sort()).toEqual([
      'telegram:7007001',
      'wechat:wxid_sunxm',
    ]);
    expect(problems).toEqual([]);
  });

  it('a viewer sees people and their accounts, but no way to create, edit, add or merge', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, viewerToken);
    await page.goto(`${t.base}/console/people`);
    await page.locator('[data-test=people] .el-table__row', { hasText: '孙小美' }).first().waitFor();
    expect(await page.locator('[data-test=person-new]').count()).toBe(0);
    await page.locator(`[data-test=person-open-${created.id}]`).click();
    const drawer = page.locator('[data-test=person-detail]');
    await drawer.locator('[data-test=identity]', { hasText: '7007001' }).waitFor();
    // a viewer's phone numbers are masked by the API
    expect(await drawer.textContent()).toContain('139****0000');
    for (const control of ['identity-add', 'edit-save', 'merge', 'identity-form', 'person-edit'])
      expect(await page.locator(`[data-test=${control}]`).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
