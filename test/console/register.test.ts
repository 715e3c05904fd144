import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { startTelegramLinli, type TelegramLinli } from '../support/telegram-linli.js';

/** One bad row (row 3: an area that is no number), the rest good. */
const BAD_CSV = `楼栋,单元,房号,专有面积,业主姓名,业主电话,投票人
7栋,1单元,101,88.5,陈静,13911110001,
7栋,1单元,102,九十,刘洋,13911110002,
`;
/** The same file fixed, with a co-owned unit whose second owner is its voter. */
const GOOD_CSV = `楼栋,单元,房号,专有面积,业主姓名,业主电话,投票人
7栋,1单元,101,88.5,陈静,13911110001,
7栋,1单元,102,90,刘洋,13911110002,
7栋,1单元,102,90,黄丽,13911110003,是
8栋,2单元,301,120.25,陈静,13911110001,
`;

type UnitRow = {
  building: string;
  unit: string;
  room: string;
  area: string;
  owners: { name: string; voter: boolean }[];
};

/**
 * The owner register and the people list in headless Chromium, against Linli with the demo city:
 * a compound's admin drops a CSV with a bad row (the dry run's errors, nothing written), then the
 * fixed file (the preview, then the import), issues verification codes; a viewer gets no import.
 */
describe.runIf(hasChromium())('the owner register in the console', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let compound: { id: number; name: string };
  let adminToken: string;
  let viewerToken: string;

  /** Drops a file on the import's drop area as a person drags one from their desktop. */
  async function dropFile(page: Page, name: string, text: string) {
    // the page's DataTransfer holding the file (written as page code: the test's own lib has no DOM)
    const dataTransfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'text/csv' })); return dt; })()`,
    );
    const area = page.locator('[data-test=import-drop] .el-upload-dragger');
    await area.dispatchEvent('dragover', { dataTransfer });
    await area.dispatchEvent('drop', { dataTransfer });
  }

  /** Drops an .xlsx file (bytes made here with exceljs, handed to the page as base64). */
  async function dropXlsx(page: Page, name: string, rows: string[][]) {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('名册');
    for (const r of rows) sheet.addRow(r);
    const b64 = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const dataTransfer = await page.evaluateHandle(
      `(() => { const bin = atob(${JSON.stringify(b64)}); const bytes = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i); const dt = new DataTransfer(); dt.items.add(new File([bytes], ${JSON.stringify(name)}, { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })); return dt; })()`,
    );
    const area = page.locator('[data-test=import-drop] .el-upload-dragger');
    await area.dispatchEvent('dragover', { dataTransfer });
    await area.dispatchEvent('drop', { dataTransfer });
  }

  const units = async (token = adminToken, compoundId = compound.id): Promise<UnitRow[]> => {
    const r = await fetch(`${t.base}/api/v1/orgs/${compoundId}/units?limit=200`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    return ((await r.json()) as { items: UnitRow[] }).items;
  };

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    const community = (await t.json('GET', `/orgs?kind=community&q=${encodeURIComponent('和平社区')}`))
      .items[0];
    compound = await t.json('POST', '/orgs', { kind: 'compound', name: '名册小区', parentId: community.id });
    adminToken = (await t.json('POST', '/tokens', { orgId: compound.id, role: 'admin', label: '名册管理员' }))
      .token;
    viewerToken = (await t.json('POST', '/tokens', { orgId: compound.id, role: 'viewer', label: '名册查看' }))
      .token;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows a bad row of a dropped CSV, writes nothing; the fixed file is previewed, then imported', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.locator('[data-test=menu-register]').click();
    await page.waitForURL(new RegExp(`/console/register/${compound.id}$`));
    await page.locator('[data-test=units]').getByText('暂无数据').waitFor();

    await dropFile(page, '名册.csv', BAD_CSV);
    const errors = page.locator('[data-test=import-errors]');
    await errors.waitFor();
    const errorRows = errors.locator('tbody tr');
    expect(await errorRows.count()).toBe(1);
    expect(await errorRows.first().locator('td').nth(0).textContent()).toBe('3');
    expect(await errorRows.first().locator('td').nth(1).textContent()).toBe('area');
    expect(await page.locator('[data-test=import-failed]').textContent()).toContain('文件未通过检查');
    expect(await page.locator('[data-test=import-run]').count()).toBe(0);
    // nothing written: no unit, no building, no owner
    expect(await units()).toEqual([]);
    expect((await t.json('GET', `/orgs?parentId=${compound.id}`)).items).toEqual([]);
    expect((await t.json('GET', `/orgs/${compound.id}/roles?role=owner`)).items).toEqual([]);

    await dropFile(page, '名册-改.csv', GOOD_CSV);
    await page.locator('[data-test=import-preview]').waitFor();
    expect(await errors.count()).toBe(0);
    expect(await page.locator('[data-test=count-unitsCreated]').textContent()).toBe('3');
    expect(await page.locator('[data-test=count-buildingsCreated]').textContent()).toBe('2');
    expect(await page.locator('[data-test=count-ownersCreated]').textContent()).toBe('3');
    expect(await units()).toEqual([]); // the preview wrote nothing either

    await page.locator('[data-test=import-run]').click();
    await page.getByText('已导入: 3 户').waitFor();
    const table = page.locator('[data-test=units]');
    await table.getByText('黄丽 · 投票人').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(3);
    const u102 = table.locator('tbody tr', { hasText: '102' });
    expect(await u102.textContent()).toContain('刘洋');
    expect(await page.locator('[data-test=import-preview]').count()).toBe(0);

    const after = await units();
    expect(after).toHaveLength(3);
    expect(after.find((u) => u.room === '102')).toMatchObject({
      building: '7栋',
      unit: '1单元',
      area: '90.00',
      owners: [
        { name: '刘洋', voter: false },
        { name: '黄丽', voter: true },
      ],
    });
    expect(after.find((u) => u.room === '301')).toMatchObject({ building: '8栋', area: '120.25' });
    expect((await t.json('GET', `/orgs/${compound.id}/roles?role=owner`)).items).toHaveLength(3);
    expect(problems).toEqual([]);
  });

  it('previews and imports a dropped .xlsx like a CSV, its bad row shown first', async () => {
    const community = (await t.json('GET', `/orgs?kind=community&q=${encodeURIComponent('和平社区')}`))
      .items[0];
    const other = await t.json('POST', '/orgs', {
      kind: 'compound',
      name: '表格小区',
      parentId: community.id,
    });
    const token = (await t.json('POST', '/tokens', { orgId: other.id, role: 'admin', label: '表格管理员' }))
      .token as string;
    const header = ['楼栋', '单元', '房号', '专有面积', '业主姓名', '业主电话', '投票人'];
    const { page, problems } = await newPage();
    await signIn(page, t.base, token);
    await page.locator('[data-test=menu-register]').click();
    await page.waitForURL(new RegExp(`/console/register/${other.id}$`));
    await page.locator('[data-test=units]').getByText('暂无数据').waitFor();

    await dropXlsx(page, '名册.xlsx', [
      header,
      ['1栋', '1单元', '101', '80', '周涛', '13922220001', ''],
      ['1栋', '1单元', '102', '很大', '吴敏', '13922220002', ''],
    ]);
    const errors = page.locator('[data-test=import-errors]');
    await errors.waitFor();
    expect(await errors.locator('tbody tr').count()).toBe(1);
    expect(await errors.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('area');
    expect(await units(token, other.id)).toEqual([]);

    await dropXlsx(page, '名册-改.xlsx', [
      header,
      ['1栋', '1单元', '101', '80', '周涛', '13922220001', ''],
      ['1栋', '1单元', '102', '95.5', '吴敏', '13922220002', '是'],
    ]);
    await page.locator('[data-test=import-preview]').waitFor();
    expect(await page.locator('[data-test=count-unitsCreated]').textContent()).toBe('2');
    await page.locator('[data-test=import-run]').click();
    await page.getByText('已导入: 2 户').waitFor();
    const after = await units(token, other.id);
    expect(after.find((u) => u.room === '102')).toMatchObject({
      building: '1栋',
      area: '95.50',
      owners: [{ name: '吴敏', voter: true }],
    });
    expect(problems).toEqual([]);
  });

  it('issues verification codes and downloads them as CSV', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, adminToken);
    await page.goto(`${t.base}/console/register/${compound.id}`);
    await page.locator('[data-test=codes-issue]').click();
    await page.getByText('已签发: 3').waitFor();
    const codes = (await t.json('GET', `/orgs/${compound.id}/unit-codes`)).items as { code: string }[];
    expect(codes).toHaveLength(3);
    for (const c of codes) await page.locator('[data-test=codes-table]').getByText(c.code).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-test=codes-csv]').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`unit-codes-${compound.id}.csv`);
    expect(problems).toEqual([]);
  });

  it('lists the owners among the people, with their role and chat account', async () => {
    const chen = (await t.json('GET', `/people?orgId=${compound.id}&q=${encodeURIComponent('陈静')}`))
      .items[0] as { id: number };
    expect(
      (await t.api('POST', `/people/${chen.id}/identities`, { channel: 'telegram', externalId: '5550001' }))
        .status,
    ).toBe(201);
    const { page, problems } = await newPage({ width: 390, height: 844 }); // a phone
    await signIn(page, t.base, adminToken);
    await page.goto(`${t.base}/console/people`);
    await page.locator('input[data-test=people-q], [data-test=people-q] input').fill('陈静');
    await page.locator('[data-test=people-search]').click();
    const row = page.locator('[data-test=people] tbody tr', { hasText: '陈静' });
    await row.waitFor();
    expect(await page.locator('[data-test=people] tbody tr').count()).toBe(1);
    // their chat account and roles in their drawer (one request when opened, none per row)
    await row.click();
    const drawer = page.locator('[data-test=person-detail]');
    await drawer.locator('[data-test=identity]', { hasText: 'Telegram: 5550001' }).waitFor();
    await drawer.locator('[data-test=role-tag]', { hasText: `业主 @ ${compound.name}` }).waitFor();
    expect(problems).toEqual([]);
  });

  it('a viewer sees the register but gets no import and no code issuing', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, viewerToken);
    await page.locator('[data-test=menu-register]').click();
    await page.locator('[data-test=units]').getByText('黄丽 · 投票人').waitFor();
    await page.locator('[data-test=codes-table] tbody tr').first().waitFor();
    expect(await page.locator('[data-test=import]').count()).toBe(0);
    expect(await page.locator('[data-test=codes-issue]').count()).toBe(0);
    // the API refuses the viewer's dry run too
    const r = await fetch(`${t.base}/api/v1/orgs/${compound.id}/units?dryRun=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'text/csv' },
      body: GOOD_CSV,
    });
    expect(r.status).toBe(403);
    expect(problems).toEqual([]);
  });
});
