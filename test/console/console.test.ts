import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/telegram/index.js';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { fileLiftComplaint, sunshineHandlers } from '../support/telegram-complaint.js';
import {
  ADMIN_TOKEN,
  startTelegramLinli,
  type TelegramLinli,
  telegramChat,
} from '../support/telegram-linli.js';

const GROUP = -100881;
const RESIDENT: FakeUser = { id: 6601, first_name: '周', last_name: '敏' };
const WANG: FakeUser = { id: 9601, first_name: '王师傅' };
const DESCRIPTION = '3号楼电梯门关不上';

/**
 * The admin console in headless Chromium against Linli as a person runs it (embedded PGlite, demo
 * city seeded, the Telegram fake): sign in, build the org tree, act on a complaint a resident filed
 * in chat, and what scoped and viewer tokens do not see. console/dist is built in beforeAll when
 * missing or stale (scripts/console-build.mjs, the script of npm's prepare).
 */
describe.runIf(hasChromium())('the admin console in a browser', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let sunshine: { id: number; parentId: number };
  let happy: { id: number };
  let complaintId: number;

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    const compounds = (await t.json('GET', '/orgs?kind=compound')).items as { id: number; name: string }[];
    happy = compounds.find((o) => o.name === '幸福里小区')!;
    // a resident files a lift complaint in 阳光小区's residents' group, as a person does in chat
    const scene = await sunshineHandlers(t, GROUP, [WANG]);
    sunshine = scene.compound;
    await fileLiftComplaint(t.fake, telegramChat(t.fake), GROUP, RESIDENT, DESCRIPTION);
    complaintId = (await t.json('GET', `/complaints?orgId=${sunshine.id}`)).items[0].id;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('a wrong token shows the API’s error in Chinese; the admin token signs in and the header names the role', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${t.base}/console/`);
    await page.waitForURL(/\/console\/sign-in/);
    await page.locator('input[data-test=token], [data-test=token] input').fill('not-the-token');
    await page.locator('[data-test=sign-in]').click();
    await expect
      .poll(() => page.locator('[data-test=sign-in-error]').textContent())
      .toContain('401: 令牌无效或已被撤销');
    await signIn(page, t.base, ADMIN_TOKEN);
    expect(await page.locator('[data-test=role]').textContent()).toContain('超级管理员');
    // English on the header's switch
    await page.locator('[data-test=lang]').first().click();
    await expect.poll(() => page.locator('[data-test=role]').textContent()).toContain('Superuser');
    await page.locator('[data-test=lang]').first().click();
    expect(problems).toEqual([]);
  });

  it('creates a compound under a community through the org form', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await page.locator('[data-test=menu-orgs]').click();
    await page.locator('input[data-test=org-search], [data-test=org-search] input').fill('和平社区');
    await page.locator('input[data-test=org-search], [data-test=org-search] input').press('Enter');
    await page.locator('[data-test=org-found] button', { hasText: '和平社区' }).click();
    await page.locator('[data-test=org-detail]').getByText('新建下级：小区').waitFor();
    await page.locator('input[data-test=child-name], [data-test=child-name] input').fill('星河湾小区');
    await page.locator('[data-test=child-create]').click();
    await page.getByText('已创建: 星河湾小区').waitFor();
    const found = (await t.json('GET', `/orgs?q=${encodeURIComponent('星河湾')}`)).items;
    expect(found).toEqual([
      expect.objectContaining({ kind: 'compound', name: '星河湾小区', parentId: sunshine.parentId }),
    ]);
    expect(problems).toEqual([]);
  });

  it('shows the resident’s complaint on the board with its SLA countdown, and accepts it', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    const row = page.locator('[data-test=complaints] tr', { hasText: DESCRIPTION });
    await row.waitFor();
    expect(await row.locator('[data-test=status]').textContent()).toContain('待受理');
    expect(await row.locator('[data-test=sla]').textContent()).toMatch(/受理时限\s*剩余/);
    // the category by its name in the compound (GET /orgs/{id}/complaint-categories), not its code
    await row.getByText('电梯', { exact: true }).waitFor();
    expect(await row.textContent()).not.toContain('lifts');
    await page.locator(`[data-test=open-${complaintId}]`).click();
    await page.locator('[data-test=timeline]').getByText('提交报事').waitFor();
    await page.locator('[data-test=action-accept]').click();
    await expect.poll(() => page.locator('[data-test=detail-status]').textContent()).toContain('已受理');
    const after = await t.json('GET', `/complaints/${complaintId}`);
    expect(after.status).toBe('accepted');
    expect(after.events.map((e: { type: string }) => e.type)).toContain('accept');
    expect(problems).toEqual([]);
  });

  it('explains a 409 version conflict in words and reloads the complaint', async () => {
    const { page } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await page.goto(`${t.base}/console/complaints/${complaintId}`);
    await page.locator('[data-test=action-start]').waitFor();
    // someone else moves it on meanwhile
    const { version } = await t.json('GET', `/complaints/${complaintId}`);
    expect(
      (await t.api('POST', `/complaints/${complaintId}/actions`, { action: 'start', version })).status,
    ).toBe(200);
    await page.locator('[data-test=action-start]').click();
    await page.getByText('此报事已被他人更新').waitFor();
    await page.locator('.el-message-box').getByText('重新载入').waitFor();
    await page.locator('.el-message-box button', { hasText: '确定' }).click();
    await expect.poll(() => page.locator('[data-test=detail-status]').textContent()).toContain('处理中');
  });

  it('a compound token sees neither another compound’s complaint nor that compound in the tree', async () => {
    const { token } = await t.json('POST', '/tokens', {
      orgId: happy.id,
      role: 'admin',
      label: '幸福里物业',
    });
    const { page, problems } = await newPage({ width: 390, height: 844 }); // a phone
    await signIn(page, t.base, token);
    expect(await page.locator('[data-test=who]').textContent()).toContain('幸福里小区');
    await page.locator('[data-test=complaints]').getByText('暂无数据').waitFor();
    expect(await page.locator('[data-test=complaints]').textContent()).not.toContain(DESCRIPTION);
    // the side menu collapses on a phone: the menu button opens it
    await page.locator('[data-test=menu-toggle]').click();
    await page.locator('.el-drawer .el-menu-item', { hasText: '组织' }).click();
    await page.locator(`[data-test=org-${happy.id}]`).waitFor();
    expect(await page.locator('[data-test=org-tree]').textContent()).not.toContain('阳光小区');
    await page.locator('input[data-test=org-search], [data-test=org-search] input').fill('阳光');
    await page.locator('input[data-test=org-search], [data-test=org-search] input').press('Enter');
    await page.locator('[data-test=org-found]').getByText('暂无数据').waitFor();
    // the API says the same
    const r = await fetch(`${t.base}/api/v1/complaints/${complaintId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(404);
    expect(problems).toEqual([]);
  });

  it('a viewer token gets no write buttons', async () => {
    const { token } = await t.json('POST', '/tokens', {
      orgId: sunshine.id,
      role: 'viewer',
      label: '业委会查看',
    });
    const { page, problems } = await newPage();
    await signIn(page, t.base, token);
    expect(await page.locator('[data-test=role]').textContent()).toContain('只读');
    await page.locator(`[data-test=open-${complaintId}]`).click();
    await page.locator('[data-test=read-only]').waitFor();
    expect(await page.locator('[data-test=actions]').count()).toBe(0);
    expect(await page.locator('[data-test^=action-]').count()).toBe(0);
    await page.locator('[data-test=menu-orgs]').click();
    await page.locator(`[data-test=org-${sunshine.id}]`).click();
    await page.locator('[data-test=org-detail]').waitFor();
    expect(await page.locator('[data-test=child-create]').count()).toBe(0);
    expect(await page.locator('[data-test=bind-code]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
