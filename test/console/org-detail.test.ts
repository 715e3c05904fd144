import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { startTelegramLinli, type TelegramLinli } from '../support/telegram-linli.js';

const GROUP = -100771;

/** What the test reads of a <canvas> in the page (the tests' own lib has no DOM types). */
type Canvas = {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
};

/**
 * An org's detail in headless Chromium against Linli with the demo city and the Telegram fake: a
 * compound's admin gives a role and takes it away, makes a bind code whose text (and QR code) a
 * group member sends to bind the group, saves an escalation policy (a bad duration refused at its
 * field), sets dispatch by duty roster; a token outside the org and a viewer get no write controls.
 * The scene is set through the HTTP API and the chat only.
 */
describe.runIf(hasChromium())('an org’s detail in the console', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let community: { id: number };
  let compound: { id: number; name: string };
  let person: { id: number; name: string };
  let onDuty: { id: number };
  let adminToken: string;
  let viewerToken: string;

  /** the org's detail on `tab`, signed in with `token` */
  async function openTab(page: Page, token: string, tab: string) {
    await signIn(page, t.base, token);
    await page.goto(`${t.base}/console/orgs/${compound.id}?tab=${tab}`);
    await page.locator('[data-test=org-detail]').getByText(compound.name).first().waitFor();
  }
  const input = (page: Page, test: string) => page.locator(`input[data-test="${test}"]`);

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    community = (await t.json('GET', `/orgs?kind=community&q=${encodeURIComponent('和平社区')}`)).items[0];
    compound = await t.json('POST', '/orgs', { kind: 'compound', name: '详情小区', parentId: community.id });
    person = await t.json('POST', '/people', { name: '钱多多', orgId: compound.id });
    onDuty = await t.json('POST', '/people', { name: '值班员 孙伟', orgId: compound.id });
    expect(
      (await t.api('POST', `/orgs/${compound.id}/roles`, { personId: onDuty.id, role: 'handler' })).status,
    ).toBe(201);
    adminToken = (await t.json('POST', '/tokens', { orgId: compound.id, role: 'admin', label: '详情管理员' }))
      .token;
    viewerToken = (await t.json('POST', '/tokens', { orgId: compound.id, role: 'viewer', label: '详情查看' }))
      .token;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('gives a person a role at the org, listed by the API, and takes it away', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    // from the tree: the compound token's tree starts at its compound
    await page.locator('[data-test=menu-orgs]').click();
    await page.locator(`[data-test=org-${compound.id}]`).click();
    await page.waitForURL(new RegExp(`/console/orgs/${compound.id}`));
    await page.locator('#tab-roles').click();
    await page.locator('[data-test=roles]').getByText('值班员 孙伟').waitFor();

    await page.locator('[data-test=role-person]').click();
    await page.locator('[data-test=role-person] input').fill('钱多');
    await page.locator(`[data-test=role-person-${person.id}]`).click();
    await page.locator('[data-test=role-role]').click();
    await page.locator('[data-test=role-option-grid_worker]').click();
    await page.locator('[data-test=role-add]').click();
    const row = page.locator('[data-test=roles] .el-table__row', { hasText: '钱多多' });
    await row.waitFor();
    expect(await row.locator('[data-test=role-name]').textContent()).toBe('网格员');
    const roles = (await t.json('GET', `/orgs/${compound.id}/roles`)).items as {
      id: number;
      personId: number;
      role: string;
    }[];
    const given = roles.find((r) => r.personId === person.id);
    expect(given).toMatchObject({ role: 'grid_worker' });

    // the same role again: the API's 409, in Chinese
    await page.locator('[data-test=role-person]').click();
    await page.locator('[data-test=role-person] input').fill('钱多');
    await page.locator(`[data-test=role-person-${person.id}]`).click();
    await page.locator('[data-test=role-role]').click();
    await page.locator('[data-test=role-option-grid_worker]').click();
    await page.locator('[data-test=role-add]').click();
    await expect.poll(() => page.locator('[data-test=role-error]').textContent()).toContain('已担任此角色');

    await page.locator(`[data-test=role-remove-${given!.id}]`).click();
    await page.locator('.el-message-box button', { hasText: '确定' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect(
      ((await t.json('GET', `/orgs/${compound.id}/roles`)).items as { personId: number }[]).map(
        (r) => r.personId,
      ),
    ).not.toContain(person.id);
    expect(problems).toEqual([]);
  });

  it('shows a bind code with its startgroup link as a QR code; the text it shows binds the group it is sent in', async () => {
    const { page, problems } = await newPage({ width: 390, height: 844 }); // a phone
    await openTab(page, adminToken, 'chats');
    await page.locator('[data-test=chats]').getByText('暂无数据').waitFor();
    await page.locator('[data-test=bind-code]').click();
    const card = page.locator('[data-test=bind-code-result]');
    await card.waitFor();
    const code = (await card.locator('[data-test=bind-code-value]').textContent())!.trim();
    expect(code).toMatch(/^[A-Z0-9]{6,}$/);
    expect(await card.locator('[data-test=bind-text]').textContent()).toBe(`/bind ${code}`);
    // on Telegram the QR code is the code's startgroup link (a group admin scans it and picks the group)
    expect(await card.locator('[data-test=bind-link]').getAttribute('href')).toBe(
      `https://t.me/test_bot?startgroup=${code}`,
    );
    // the QR code is drawn: a canvas with dark modules on white
    const qr = await card.locator('canvas[data-test=bind-qr]').evaluate((el: unknown) => {
      const c = el as Canvas;
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let dark = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! < 64) dark++;
      return { width: c.width, share: dark / (px.length / 4) };
    });
    expect(qr.width).toBeGreaterThanOrEqual(150);
    expect(qr.share).toBeGreaterThan(0.2);
    expect(qr.share).toBeLessThan(0.8);
    // WeChat's words for the same code
    await card.locator('[data-test=bind-channel-wechat]').click();
    await expect.poll(() => card.locator('[data-test=bind-text]').textContent()).toBe(`绑定 ${code}`);
    expect(await card.locator('[data-test=bind-link]').count()).toBe(0); // WeChat has no such link
    await card.locator('[data-test=bind-channel-telegram]').click();

    // a group member sends what the page shows: the group is bound to the compound
    const text = (await card.locator('[data-test=bind-text]').textContent())!;
    await t.fake.deliverUpdateToWebhook(
      t.fake.makeTextMessageUpdate({
        chatId: GROUP,
        chatType: 'supergroup',
        chatTitle: '详情小区业主群',
        from: { id: 7301, first_name: '群主' },
        text,
      }),
    );
    await t.fake.waitForCall('sendMessage', {
      timeoutMs: 10_000,
      predicate: (c) => Number(c.params.chat_id) === GROUP && String(c.params.text).includes('绑定成功'),
    });
    const chats = (await t.json('GET', `/orgs/${compound.id}/chats`)).items as {
      id: number;
      title: string;
    }[];
    expect(chats).toEqual([expect.objectContaining({ externalChatId: String(GROUP), boundVia: 'code' })]);
    await page.reload();
    await page.locator('[data-test=chats]').getByText('详情小区业主群').waitFor();
    expect(problems).toEqual([]);
  });

  it('saves an escalation policy read back through the API; a bad duration gets the server’s error at its field', async () => {
    const { page, problems } = await newPage();
    await openTab(page, adminToken, 'escalation');
    await page.locator('[data-test=ep-none]').waitFor();
    expect((await t.api('GET', `/orgs/${compound.id}/escalation-policy`)).status).toBe(404);
    await page.locator('[data-test=ep-start]').click();
    await page.locator('[data-test=ep-calendar-workdays]').click();
    await input(page, 'ep-compound-0-ack').fill('PT1H');
    await input(page, 'ep-compound-0-resolve').fill('P2DT12H');
    await page.locator('[data-test=ep-compound-add]').click();
    // a second limit for one category: lifts
    await page.locator('[data-test=ep-compound-1-category]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '电梯' }).click();
    await input(page, 'ep-compound-1-ack').fill('PT30M');
    await input(page, 'ep-compound-1-resolve').fill('P1D');
    await page.locator('[data-test=ep-save]').click();
    await page.getByText('已保存').first().waitFor();
    const saved = await t.json('GET', `/orgs/${compound.id}/escalation-policy`);
    expect(saved).toMatchObject({
      orgId: compound.id,
      calendar: 'workdays',
      levels: {
        compound: { '*': { ack: 'PT1H', resolve: 'P2DT12H' }, lifts: { ack: 'PT30M', resolve: 'P1D' } },
        community: { '*': { ack: 'PT4H', resolve: 'P5D' } },
      },
      maxReopens: 2,
      warnAtPercent: 80,
    });

    // a duration the server cannot read: its 400 at the field, nothing changed
    await input(page, 'ep-compound-0-ack').fill('2小时');
    await page.locator('[data-test=ep-save]').click();
    const row = page.locator('[data-test=ep-level-compound] .el-form-item', {
      has: page.locator('input[data-test="ep-compound-0-ack"]'),
    });
    await expect.poll(() => row.locator('.el-form-item__error').textContent()).toContain('时长格式不对');
    expect(await page.locator('[data-test=ep-error]').textContent()).toContain('levels.compound.*.ack');
    expect((await t.json('GET', `/orgs/${compound.id}/escalation-policy`)).levels.compound['*'].ack).toBe(
      'PT1H',
    );
    // reloaded, the page shows what was saved
    await page.reload();
    await expect.poll(() => input(page, 'ep-compound-0-ack').inputValue()).toBe('PT1H');
    expect(problems).toEqual([]);
  });

  it('sets dispatch by duty roster and the roster, a slot ending before it starts refused at its field', async () => {
    const { page, problems } = await newPage();
    await openTab(page, adminToken, 'dispatch');
    await page.locator('[data-test=roster-none]').waitFor();
    await page.locator('[data-test=dispatch-add]').click();
    await page.locator('[data-test=dispatch-0-mode]').click();
    await page.locator('[data-test=mode-round_robin]').click();
    await page.locator('[data-test=settings-save]').click();
    await expect
      .poll(async () => (await t.json('GET', `/orgs/${compound.id}`)).settings)
      .toEqual({ dispatch: { '*': 'round_robin' } });

    await page.locator('[data-test=slot-add]').click();
    await page.locator('[data-test=slot-0-person]').click();
    await page.locator(`[data-test=slot-person-${onDuty.id}]`).click();
    await input(page, 'slot-0-from').fill('18:00');
    await input(page, 'slot-0-to').fill('09:00');
    await page.locator('[data-test=roster-save]').click();
    const to = page.locator('[data-test=slot-0] .el-form-item', { has: input(page, 'slot-0-to') });
    await expect.poll(() => to.locator('.el-form-item__error').textContent()).toContain('结束早于开始');
    expect((await t.api('GET', `/orgs/${compound.id}/duty-roster`)).status).toBe(404);

    await input(page, 'slot-0-to').fill('24:00');
    await page.locator('[data-test=roster-save]').click();
    await expect
      .poll(async () => (await t.api('GET', `/orgs/${compound.id}/duty-roster`)).body.slots)
      .toEqual([{ personId: onDuty.id, weekday: 1, from: '18:00', to: '24:00' }]);
    expect(problems).toEqual([]);
  });

  it('an org outside a token’s subtree shows no write control', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.goto(`${t.base}/console/orgs/${community.id}`);
    await page.locator('[data-test=org-detail] .el-alert--error').waitFor();
    expect(await page.locator('[data-test=org-detail] .el-alert--error').textContent()).toContain('不存在');
    expect(await page.locator('[data-test=child-create]').count()).toBe(0);
    expect(await page.locator('#tab-roles').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('a viewer sees the org’s roles, chats, policy and roster but no write control', async () => {
    const { page, problems } = await newPage();
    await openTab(page, viewerToken, 'info');
    await page.locator('[data-test=org-read-only]').waitFor();
    expect(await page.locator('[data-test=child-create]').count()).toBe(0);
    expect(await page.locator('[data-test=org-rename]').count()).toBe(0);

    await page.locator('#tab-roles').click();
    await page.locator('[data-test=roles]').getByText('值班员 孙伟').waitFor();
    expect(await page.locator('[data-test=role-add]').count()).toBe(0);
    expect(await page.locator('[data-test^=role-remove-]').count()).toBe(0);

    await page.locator('#tab-chats').click();
    await page.locator('[data-test=chats]').getByText('详情小区业主群').waitFor();
    expect(await page.locator('[data-test=bind-code]').count()).toBe(0);
    expect(await page.locator('[data-test^=chat-unbind-]').count()).toBe(0);
    expect(await page.locator('[data-test=chat-direct-toggle]').count()).toBe(0);

    await page.locator('#tab-escalation').click();
    await expect.poll(() => input(page, 'ep-compound-0-ack').inputValue()).toBe('PT1H');
    expect(await input(page, 'ep-compound-0-ack').isDisabled()).toBe(true);
    expect(await page.locator('[data-test=ep-save]').count()).toBe(0);
    expect(await page.locator('[data-test=ep-compound-add]').count()).toBe(0);

    await page.locator('#tab-dispatch').click();
    await expect.poll(() => input(page, 'slot-0-to').inputValue()).toBe('24:00');
    expect(await page.locator('[data-test=settings-save]').count()).toBe(0);
    expect(await page.locator('[data-test=roster-save]').count()).toBe(0);
    expect(await page.locator('[data-test=slot-add]').count()).toBe(0);
    // the API refuses the viewer's write as well
    const r = await fetch(`${t.base}/api/v1/orgs/${compound.id}/bind-codes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ purpose: 'residents' }),
    });
    expect(r.status).toBe(403);
    expect(problems).toEqual([]);
  });
});
