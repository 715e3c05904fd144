import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/telegram/index.js';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { sunshineHandlers } from '../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../support/telegram-linli.js';

const GROUP = -100661;
const MEMBER: FakeUser = { id: 6801, first_name: '周', last_name: '强' };
const BRANCH = '市财政局第三党支部';

/**
 * Property companies and party branches and tasks in headless Chromium against Linli with the demo
 * city and the Telegram fake: a community's admin registers a company and contracts it to a
 * compound, registers a party branch, and (after a member of that branch reported in chat and was
 * approved) creates a task naming the member; a viewer gets none of these buttons. The scene is
 * set through the HTTP API and the chat only.
 */
describe.runIf(hasChromium())('property companies, party branches and tasks in the console', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let sunshine: { id: number; parentId: number };
  let adminToken: string;
  let viewerToken: string;

  const input = (page: Page, test: string) => page.locator(`input[data-test="${test}"]`);
  /** picks `name` in the remote-search select `test` (its options are `<test>-<id>`) */
  async function pick(page: Page, test: string, name: string, id: number) {
    await page.locator(`[data-test=${test}]`).click();
    await page.locator(`[data-test=${test}] input`).fill(name);
    await page.locator(`[data-test=${test}-${id}]`).click();
  }

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    // 阳光小区's residents' group, bound as an admin would
    sunshine = (await sunshineHandlers(t, GROUP, [])).compound;
    adminToken = (
      await t.json('POST', '/tokens', { orgId: sunshine.parentId, role: 'admin', label: '社区管理员' })
    ).token;
    viewerToken = (
      await t.json('POST', '/tokens', { orgId: sunshine.parentId, role: 'viewer', label: '社区查看' })
    ).token;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('registers a property company and contracts it to a compound; an overlapping contract is refused', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-companies]').click();
    await page.locator('[data-test=companies]').getByText('暂无数据').waitFor();
    await page.locator('[data-test=company-new]').click();
    await input(page, 'company-name').fill('安心物业');
    await page.locator('[data-test=company-create]').click();
    const drawer = page.locator('[data-test=company-detail]');
    await drawer.getByText('安心物业').first().waitFor();
    const companies = (await t.json('GET', '/property-companies')).items as { id: number; orgId: number }[];
    expect(companies).toEqual([expect.objectContaining({ name: '安心物业', orgId: sunshine.parentId })]);
    const id = companies[0]!.id;

    await pick(page, 'contract-compound', '阳光', sunshine.id);
    await page.locator('[data-test=contract-starts] input').fill('2025-01-01');
    await page.locator('[data-test=contract-starts] input').press('Enter');
    await page.locator('[data-test=contract-add]').click();
    await drawer.locator('[data-test=contracts]').getByText('阳光小区').waitFor();
    expect((await t.json('GET', `/property-companies/${id}`)).contracts).toEqual([
      expect.objectContaining({ compoundId: sunshine.id, startsOn: '2025-01-01', endsOn: null }),
    ]);
    await page.locator('[data-test=companies] .el-table__row', { hasText: '阳光小区 2025-01-01' }).waitFor();

    // the same compound again, overlapping: the API's 409, in Chinese, at its field
    await pick(page, 'contract-compound', '阳光', sunshine.id);
    await page.locator('[data-test=contract-starts] input').fill('2026-01-01');
    await page.locator('[data-test=contract-starts] input').press('Enter');
    await page.locator('[data-test=contract-add]').click();
    await expect.poll(() => drawer.locator('[data-test=contract-error]').textContent()).toContain('日期重叠');
    expect((await t.json('GET', `/property-companies/${id}`)).contracts).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('registers a party branch, and creates a task for an approved member of it', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-party]').click();
    await page.locator('.el-tabs__item', { hasText: '党支部' }).click();
    await page.locator('[data-test=branch-new]').click();
    await input(page, 'branch-name').fill(BRANCH);
    await page.locator('[data-test=branch-create]').click();
    await page.locator('[data-test=branches]').getByText(BRANCH).waitFor();
    const branches = (await t.json('GET', '/party-branches')).items as { id: number }[];
    expect(branches).toEqual([
      expect.objectContaining({ name: BRANCH, orgId: sunshine.parentId, secretaryPersonId: null }),
    ]);

    // a member of the branch reports to 阳光小区 in chat, and is approved
    const { fake, json } = t;
    const { next } = telegramChat(fake);
    fake.startPrivateChat(MEMBER.id);
    fake.setBotAdmin(GROUP);
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({ chatId: GROUP, chatType: 'supergroup', from: MEMBER, text: '大家好' }),
    );
    const say = (text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: MEMBER.id, chatType: 'private', from: MEMBER, text }),
      );
    await say('党员报到');
    await next(MEMBER.id, '请问您的真实姓名');
    await say('周强');
    await next(MEMBER.id, '哪个党支部');
    await say(BRANCH);
    await next(MEMBER.id, '到哪个小区报到');
    await say('阳光小区');
    await next(MEMBER.id, '请选择您的承诺事项');
    await say('1');
    await next(MEMBER.id, '自己的承诺');
    await say('义务巡逻');
    await next(MEMBER.id, '报到申请已提交');
    const member = (await json('GET', `/party-members?orgId=${sunshine.id}&status=pending`)).items[0] as {
      id: number;
      personId: number;
    };
    expect((await t.api('POST', `/party-members/${member.id}/approve`)).status).toBe(200);

    await page.locator('.el-tabs__item', { hasText: '任务' }).click();
    await page.locator('[data-test=task-new]').click();
    await pick(page, 'task-org', '阳光', sunshine.id);
    await page.locator('[data-test=task-branch]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: BRANCH }).click();
    await input(page, 'task-title').fill('楼道杂物清理');
    await input(page, 'task-place').fill('阳光小区3栋');
    await page.locator('[data-test=task-who-assignees]').click();
    // no member named: the API says a task needs someone
    await page.locator('[data-test=task-create]').click();
    await expect.poll(() => page.locator('[data-test=task-error]').textContent()).toContain('输入有误');
    await page.locator('[data-test=task-assignees]').click();
    await page.locator(`[data-test=task-assignee-${member.personId}]`).click();
    await page.keyboard.press('Escape');
    await page.locator('[data-test=task-create]').click();
    const detail = page.locator('[data-test=task-detail]');
    await detail.locator('.el-table__row', { hasText: '周强' }).waitFor();
    const tasks = (await t.json('GET', `/tasks?orgId=${sunshine.id}`)).items as {
      id: number;
      title: string;
    }[];
    expect(tasks.map((x) => x.title)).toEqual(['楼道杂物清理']);
    expect(await t.json('GET', `/tasks/${tasks[0]!.id}`)).toMatchObject({
      orgId: sunshine.id,
      branchId: branches[0]!.id,
      kind: 'assigned',
      slots: 1,
      place: '阳光小区3栋',
      assignments: [expect.objectContaining({ personId: member.personId })],
    });
    await next(MEMBER.id, '楼道杂物清理');
    expect(problems).toEqual([]);
  });

  it('a viewer sees companies, branches and tasks without a button to make one', async () => {
    const { page, problems } = await newPage({ width: 390, height: 844 }); // a phone
    await signIn(page, t.base, viewerToken);
    await page.goto(`${t.base}/console/companies`);
    await page.locator('[data-test=companies]').getByText('安心物业').waitFor();
    expect(await page.locator('[data-test=company-new]').count()).toBe(0);
    await page.locator('[data-test=companies]').getByText('安心物业').click();
    await page.locator('[data-test=company-detail] [data-test=contracts]').getByText('阳光小区').waitFor();
    expect(await page.locator('[data-test=contract-add]').count()).toBe(0);

    await page.goto(`${t.base}/console/party`);
    await page.locator('.el-tabs__item', { hasText: '党支部' }).click();
    await page.locator('[data-test=branches]').getByText(BRANCH).waitFor();
    expect(await page.locator('[data-test=branch-new]').count()).toBe(0);
    await page.locator('.el-tabs__item', { hasText: '任务' }).click();
    await page.locator('[data-test=tasks]').getByText('楼道杂物清理').waitFor();
    expect(await page.locator('[data-test=task-new]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
