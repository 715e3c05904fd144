import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser } from '../fakes/telegram/index.js';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { fileLiftComplaint, sunshineHandlers } from '../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../support/telegram-linli.js';

const GROUP = -100991;
const RESIDENT: FakeUser = { id: 6701, first_name: '李', last_name: '娜' };
const WANG: FakeUser = { id: 9701, first_name: '王师傅' };
const TEXT = '{org}：{date}（{weekday}）{time} 三方联席会议，请准时参加';

/** The month China is in now, and its bounds as the metrics page asks for them. */
function thisMonth() {
  const china = new Date(Date.now() + 8 * 3_600_000);
  const y = china.getUTCFullYear();
  const m = china.getUTCMonth() + 1;
  const month = `${y}-${String(m).padStart(2, '0')}`;
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { month, from: `${month}-01T00:00:00+08:00`, to: `${next}-01T00:00:00+08:00` };
}

/**
 * The metrics (三率) and reminders pages in headless Chromium against Linli with the demo city and
 * the Telegram fake: a resident files a complaint in chat, a city admin sees the charts and figures
 * the API gives, exports them, and builds a reminder's schedule, seeing its next occurrences before
 * saving it.
 */
describe.runIf(hasChromium())('metrics and reminders in the console', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let city: { id: number; name: string };
  let compound: { id: number };
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    city = (await t.json('GET', '/orgs?kind=city')).items[0];
    const scene = await sunshineHandlers(t, GROUP, [WANG]);
    compound = scene.compound;
    await fileLiftComplaint(t.fake, telegramChat(t.fake), GROUP, RESIDENT, '5号楼电梯按钮失灵');
    adminToken = (await t.json('POST', '/tokens', { orgId: city.id, role: 'admin', label: '市管理员' }))
      .token;
    viewerToken = (await t.json('POST', '/tokens', { orgId: city.id, role: 'viewer', label: '市只读' }))
      .token;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('draws the city’s charts with the figures the API gives, and exports them as CSV', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-metrics]').click();
    const { month, from, to } = thisMonth();
    const api = (
      await t.api(
        'GET',
        `/metrics/complaints?orgId=${city.id}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      )
    ).body;
    expect(api.counts.total).toBeGreaterThanOrEqual(1);
    // the charts are drawn (SVG renderer)
    await page.locator('[data-test=chart-months] svg').waitFor();
    await page.locator('[data-test=chart-levels] svg').waitFor();
    await page.locator('[data-test=chart-categories] svg').waitFor();
    expect(await page.locator('[data-test=chart-months] svg path').count()).toBeGreaterThan(0);
    // the month's row reads as the API counts it
    await expect
      .poll(() => page.locator(`[data-test=total-${month}]`).textContent())
      .toBe(String(api.counts.total));
    const pct = (r: { rate: number | null; numerator: number; denominator: number }) =>
      `${r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}%`} (${r.numerator}/${r.denominator})`;
    for (const k of ['response', 'onTimeResolution', 'resolution', 'satisfaction'])
      expect(await page.locator(`[data-test=${k}-${month}]`).textContent()).toBe(pct(api.rates[k]));
    expect(await page.locator('[data-test=metrics-categories-table]').textContent()).toContain('电梯');
    // the org below (the demo's district) has its own row
    const districts = (await t.json('GET', `/orgs?parentId=${city.id}`)).items as { name: string }[];
    expect(districts.length).toBeGreaterThan(0);
    expect(await page.locator('[data-test=metrics-orgs-table]').textContent()).toContain(districts[0]!.name);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test=metrics-csv]').click(),
    ]);
    const chunks: Buffer[] = [];
    for await (const c of await download.createReadStream()) chunks.push(c as Buffer);
    const csv = Buffer.concat(chunks).toString('utf8');
    expect(csv.startsWith('\uFEFFsection,key,metric,value,numerator,denominator\r\n')).toBe(true);
    expect(csv).toContain(`month,${month},total,${api.counts.total},,\r\n`);
    const r = api.rates.response;
    expect(csv).toContain(`month,${month},response,${r.rate ?? ''},${r.numerator},${r.denominator}\r\n`);
    expect(problems).toEqual([]);
  });

  it('builds a schedule, shows its next occurrences before saving, then saves the reminder', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-reminders]').click();
    await page.locator('[data-test=reminder-new]').click();
    const dialog = page.locator('[data-test=reminder-dialog]');
    await dialog.locator('[data-test=reminder-org] input').fill(String(compound.id));
    await dialog.locator('textarea[data-test=reminder-text], [data-test=reminder-text] textarea').fill(TEXT);

    // an impossible cron is explained before saving, naming the field
    await dialog.locator('[data-test=mode-cron]').click();
    await dialog
      .locator('input[data-test=schedule-cron], [data-test=schedule-cron] input')
      .fill('0 0 30 2 *');
    await expect
      .poll(() => dialog.locator('[data-test=preview-error]').textContent())
      .toContain('schedule.cron');

    // weekly on Monday and Wednesday at 19:30, days off skipped
    await dialog.locator('[data-test=mode-rrule]').click();
    await dialog.locator('[data-test=schedule-freq]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '每周' }).click();
    await dialog.locator('[data-test=schedule-weekdays] label', { hasText: '星期三' }).click();
    await dialog.locator('[data-test=schedule-holidays]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '跳过节假日' }).click();
    const rule = 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=19;BYMINUTE=30';
    await expect
      .poll(() =>
        dialog.locator('input[data-test=schedule-rrule], [data-test=schedule-rrule] input').inputValue(),
      )
      .toBe(rule);

    // the next occurrences, before anything is saved, are those the API computes for the schedule
    const expected = (
      await t.json('POST', '/reminders/preview', {
        schedule: { rrule: rule, tz: 'Asia/Shanghai' },
        skipHolidays: 'skip',
        count: 5,
      })
    ).items as { local: string; weekday: number }[];
    // (polled: the preview follows the builder after a pause, and the default monthly rule's
    // preview is shown until then — on a first Monday its first date is the weekly rule's too)
    const items = dialog.locator('[data-test=preview-list] li');
    await expect
      .poll(() => items.allTextContents())
      .toEqual(expected.map((i) => `${i.local} 星期${'日一二三四五六'[i.weekday]}`));
    const shown = await items.allTextContents();
    for (const s of shown) expect(s).toMatch(/19:30 星期[一三]$/);
    expect((await t.json('GET', `/reminders?orgId=${compound.id}`)).items).toEqual([]);

    await dialog.locator('[data-test=reminder-save]').click();
    await page.getByText('已保存').waitFor();
    const saved = (await t.json('GET', `/reminders?orgId=${compound.id}`)).items;
    expect(saved).toEqual([
      expect.objectContaining({
        orgId: compound.id,
        text: TEXT,
        audience: { kind: 'group', orgId: compound.id },
        schedule: expect.objectContaining({ rrule: rule, tz: 'Asia/Shanghai' }),
        skipHolidays: 'skip',
        status: 'active',
      }),
    ]);
    const next = (await t.json('GET', `/reminders/${saved[0].id}/next?count=5`)).items as { local: string }[];
    expect(next.map((i) => i.local)).toEqual(expected.map((i) => i.local));
    // it is on the list, and its detail opens
    await page.locator(`[data-test=reminder-open-${saved[0].id}]`).click();
    await page.locator('[data-test=reminder-detail]').getByText(expected[0]!.local).waitFor();
    expect(problems).toEqual([]);
  });

  it('approves a party member who reported in chat, and shows a task’s slots as members take them', async () => {
    const MEMBER: FakeUser = { id: 6702, first_name: '张', last_name: '伟' };
    const { fake, json } = t;
    const sunshine = (await json('GET', `/orgs/${compound.id}`)) as { id: number; parentId: number };
    await json('POST', '/party-branches', { orgId: sunshine.parentId, name: '市税务局第二党支部' });
    fake.startPrivateChat(MEMBER.id);
    fake.setBotAdmin(GROUP);
    const { next, press } = telegramChat(fake);
    const say = (text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: MEMBER.id, chatType: 'private', from: MEMBER, text }),
      );
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({ chatId: GROUP, chatType: 'supergroup', from: MEMBER, text: '大家好' }),
    );
    await say('党员报到');
    await next(MEMBER.id, '请问您的真实姓名');
    await say('张伟');
    await next(MEMBER.id, '哪个党支部');
    await say('市税务局第二党支部');
    await next(MEMBER.id, '到哪个小区报到');
    await say('阳光小区');
    await next(MEMBER.id, '请选择您的承诺事项');
    await say('1');
    await next(MEMBER.id, '自己的承诺');
    await say('帮邻居收快递');
    await next(MEMBER.id, '报到申请已提交');
    const pending = (await json('GET', `/party-members?orgId=${compound.id}&status=pending`)).items;
    expect(pending).toHaveLength(1);
    const memberId = pending[0].id as number;

    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-party]').click();
    const row = page.locator('[data-test=members] .el-table__row', { hasText: '张伟' });
    await row.waitFor();
    expect(await row.textContent()).toContain('帮邻居收快递');
    await page.locator(`[data-test=approve-${memberId}]`).click();
    await expect.poll(() => row.textContent()).toContain('已通过');
    expect(await page.locator(`[data-test=approve-${memberId}]`).count()).toBe(0);
    expect((await json('GET', `/party-members/${memberId}`)).status).toBe('approved');
    await next(MEMBER.id, '党员报到已审核通过');

    // a task for two volunteers: the member takes one slot by button
    const task = await json('POST', '/tasks', {
      orgId: sunshine.parentId,
      title: '消防通道巡查',
      place: '阳光小区北门',
      dueAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
      volunteersNeeded: 2,
    });
    const push = await next(MEMBER.id, '【志愿者招募】需要 2 人');
    await page.locator('.el-tabs__item', { hasText: '任务' }).click();
    await page.locator('[data-test=tasks-search]').click();
    await expect.poll(() => page.locator(`[data-test=slots-${task.id}]`).textContent()).toBe('0/2');
    await press(MEMBER.id, MEMBER, push, '接受');
    await next(MEMBER.id, '算您一个');
    await page.locator('[data-test=tasks-search]').click();
    await expect.poll(() => page.locator(`[data-test=slots-${task.id}]`).textContent()).toBe('1/2');
    await page.locator(`[data-test=task-open-${task.id}]`).click();
    const detail = page.locator('[data-test=task-detail]');
    await detail.locator('.el-table__row', { hasText: '张伟' }).waitFor();
    expect(await detail.locator('.el-table__row', { hasText: '张伟' }).textContent()).toContain('已接受');
    expect((await json('GET', `/tasks/${task.id}`)).assignments).toEqual([
      expect.objectContaining({ personId: pending[0].personId, status: 'accepted' }),
    ]);
    expect(problems).toEqual([]);
  });

  // after the tests above: the reminder and the member they made
  it('a viewer sees the reminders but is offered no new one, and no decision on party members', async () => {
    const { page } = await newPage({ width: 390, height: 844 });
    await signIn(page, t.base, viewerToken);
    await page.goto(`${t.base}/console/reminders`);
    await page.locator('[data-test=reminders] .el-table__row').first().waitFor();
    expect(await page.locator('[data-test=reminder-new]').count()).toBe(0);
    await page.goto(`${t.base}/console/party`);
    // the member approved above is listed, without the column of decisions
    await page.locator('[data-test=members] .el-table__row', { hasText: '张伟' }).waitFor();
    expect(await page.locator('[data-test=members] .el-table__header').textContent()).not.toContain('操作');
    expect(await page.locator('[data-test^=approve-]').count()).toBe(0);
  });
});
