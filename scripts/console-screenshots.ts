// Screenshots of every page of the admin console into docs/console/<page>.png, for the README.
// Rerunnable: `npx tsx scripts/console-screenshots.ts` (or `npm run console:screenshots`). It builds
// the console when stale, starts Linli on its embedded defaults (PGlite, the demo city) in a temp
// DATA_DIR, files two complaints the way a 12345 hotline would (Open311, with a compound's token),
// and photographs each page in headless Chromium (/usr/bin/chromium, or LINLI_CHROMIUM).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/app/config.js';
import { startLinli } from '../src/app/runtime.js';
import { ensureConsoleBuilt, launchChromium, signIn } from '../test/support/browser.js';
import { freePort } from '../test/support/net.js';

const root = join(import.meta.dirname, '..');
const out = join(root, 'docs', 'console');
const ADMIN = `screenshots-${Math.random().toString(36).slice(2)}-admin-token`;

ensureConsoleBuilt();
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'linli-screens-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const linli = await startLinli(
  loadConfig({ DATA_DIR: dir, PORT: String(port), ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent' }),
  pino({ level: 'silent' }),
);
const browser = await launchChromium();
try {
  // biome-ignore lint/suspicious/noExplicitAny: the script reads a few fields of the API's JSON
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const compounds = (await api('GET', '/api/v1/orgs?kind=compound')).items as { id: number; name: string }[];
  const sunshine = compounds.find((o) => o.name === '阳光小区') ?? compounds[0]!;
  const { token: key } = await api('POST', '/api/v1/tokens', {
    orgId: sunshine.id,
    role: 'admin',
    label: '12345 热线',
  });
  const services = (await (
    await fetch(`${base}/open311/v2/services.json`, { headers: { 'x-api-key': key } })
  ).json()) as { service_code: string }[];
  for (const [description, address] of [
    ['3号楼电梯门关不上，已经两天了', '阳光小区 3栋2单元501'],
    ['小区东门路灯不亮', '阳光小区 1栋1单元101'],
  ]) {
    const r = await fetch(`${base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        service_code: services[0]!.service_code,
        description: description!,
        address_string: address!,
      }),
    });
    if (!r.ok) console.warn(`Open311 filing refused (${r.status}): ${await r.text()}`);
  }

  const shoot = async (name: string, width = 1280, height = 800) => {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(400); // transitions settle
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`docs/console/${name}.png`);
  };
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${base}/console/`);
  await page.locator('input[data-test=token], [data-test=token] input').waitFor();
  await shoot('sign-in');
  await signIn(page, base, ADMIN);
  await page.locator('[data-test=complaints] [data-test=sla]').first().waitFor();
  await shoot('complaints');
  await shoot('complaints-phone', 390, 844);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('[data-test^=open-]').first().click();
  await page.locator('[data-test=timeline]').waitFor();
  await shoot('complaint');
  await page.locator('[data-test=menu-orgs]').click();
  // down the demo city's tree to 阳光小区 (a click selects a node and opens it), then its detail:
  // a bind code with its QR code, the roles, the escalation policy form, dispatch and duty roster
  for (const name of ['示范市', '锦江区', '春熙路街道', '和平社区', '阳光小区'])
    await page.locator('[data-test=org-tree]').getByText(name, { exact: true }).click();
  await page.locator('[data-test=org-detail]').getByText('阳光小区').first().waitFor();
  await page.locator('#tab-chats').click();
  await page.locator('[data-test=bind-code]').click();
  await page.locator('[data-test=bind-code-result] canvas').waitFor();
  await shoot('orgs');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('[data-test=bind-code-result]').scrollIntoViewIfNeeded();
  await shoot('orgs-phone', 390, 844);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('#tab-roles').click();
  await page.locator('[data-test=roles] .el-table__row').first().waitFor();
  await shoot('org-roles', 1280, 1000);
  await page.locator('#tab-escalation').click();
  await page.locator('[data-test=ep-start]').click();
  await page.locator('[data-test=ep-level-compound]').waitFor();
  await shoot('org-escalation', 1280, 1500);
  await page.locator('#tab-dispatch').click();
  await page.locator('[data-test=duty-roster]').waitFor();
  await page.locator('[data-test=dispatch-add]').click();
  await page.locator('[data-test=slot-add]').click();
  await shoot('org-dispatch', 1280, 1200);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('[data-test=menu-deliveries]').click();
  await page.locator('[data-test=deliveries]').waitFor();
  await shoot('deliveries');
  await page.locator('[data-test=menu-audit]').click();
  await page.locator('[data-test=audit] .el-table__row').first().waitFor();
  await shoot('audit');

  // the owner register of 阳光小区, then a dropped CSV with bad rows (the dry run's errors table), and the people
  await page.locator('[data-test=menu-register]').click();
  await page.goto(`${base}/console/register/${sunshine.id}`);
  await page.locator('[data-test=units] .el-table__row').first().waitFor();
  await shoot('register', 1280, 1100);
  const badFile =
    '楼栋,单元,房号,专有面积,业主姓名,业主电话\n9栋,1单元,101,八十,张三,13900009999\n9栋,,102,80,李四,12345\n';
  const dropped = await page.evaluateHandle(
    `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(badFile)}], '名册.csv', { type: 'text/csv' })); return dt; })()`,
  );
  await page
    .locator('[data-test=import-drop] .el-upload-dragger')
    .dispatchEvent('drop', { dataTransfer: dropped });
  await page.locator('[data-test=import-errors]').waitFor();
  await shoot('register-import-errors');
  await page.locator('[data-test=menu-people]').click();
  await page.locator('[data-test=people] .el-table__row').first().waitFor();
  await shoot('people');
  // one person's drawer: chat accounts, roles, editing and merging
  await page.locator('[data-test=people] .el-table__row', { hasText: '张伟' }).first().click();
  await page.locator('[data-test=person-detail] [data-test=role-tag]').first().waitFor();
  await shoot('person', 1280, 1000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.keyboard.press('Escape');

  // owners' votes: a proposal of 阳光小区 with three paper ballots, its turnout and verified log
  const units = (await api('GET', `/api/v1/orgs/${sunshine.id}/units?limit=200`)).items as {
    id: number;
    room: string;
    owners: { personId: number; name: string }[];
  }[];
  const owner = (name: string) => units.flatMap((u) => u.owners).find((o) => o.name === name)!.personId;
  const proposal = await api('POST', '/api/v1/proposals', {
    orgId: sunshine.id,
    title: '1栋加装电梯',
    body: '1栋加装电梯，费用按楼层分摊。',
    rule: 'art278-major',
    closesAt: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
  });
  for (const [name, option] of [
    ['张伟', '同意'],
    ['王芳', '同意'],
    ['刘敏', '反对'],
  ] as const)
    await api('POST', `/api/v1/proposals/${proposal.id}/ballots`, {
      personId: owner(name),
      option,
      evidence: `纸质表决票（${name}）`,
    });
  await page.goto(`${base}/console/votes?org=${sunshine.id}`);
  await page.locator(`[data-test=proposal-${proposal.id}]`).waitFor();
  await page.locator(`[data-test=proposal-${proposal.id}]`).click();
  await page.locator('[data-test=turnout-area]').waitFor();
  await page.locator('[data-test=verify]').click();
  await page.locator('[data-test=verify-status]').waitFor();
  await page.locator('[data-test=proposal-title]').scrollIntoViewIfNeeded();
  await shoot('vote', 1280, 1500);
  await page.setViewportSize({ width: 1280, height: 800 });

  // a property-company evaluation with a paper response: its ranking and red list
  const company = await api('POST', '/api/v1/property-companies', { orgId: sunshine.id, name: '安居物业' });
  await api('POST', `/api/v1/property-companies/${company.id}/contracts`, {
    compoundId: sunshine.id,
    startsOn: '2024-01-01',
  });
  const campaign = await api('POST', '/api/v1/evaluations', {
    orgId: sunshine.id,
    title: '2026年第四季度物业服务评价',
    opensAt: new Date(Date.now() + 500).toISOString(),
    closesAt: new Date(Date.now() + 14 * 24 * 3600_000).toISOString(),
  });
  for (let i = 0; i < 100 && (await api('GET', `/api/v1/evaluations/${campaign.id}`)).status !== 'open'; i++)
    await new Promise((r) => setTimeout(r, 100));
  for (const [room, score] of [
    ['101', 4],
    ['102', 5],
  ] as const)
    await api('POST', `/api/v1/evaluations/${campaign.id}/responses`, {
      unitId: units.find((u) => u.room === room)!.id,
      scores: Object.fromEntries((campaign.criteria as { key: string }[]).map((c) => [c.key, score])),
    });
  await page.locator('[data-test=menu-evaluations]').click();
  await page.locator(`[data-test=campaign-${campaign.id}]`).click();
  await page.locator('[data-test=red-list]').getByText('安居物业').waitFor();
  await shoot('evaluation', 1280, 1100);
  await page.setViewportSize({ width: 1280, height: 800 });
  // the property companies, one opened with its contracts
  await page.locator('[data-test=menu-companies]').click();
  await page.locator(`[data-test=company-${company.id}]`).click();
  await page.locator('[data-test=company-detail] [data-test=contracts] .el-table__row').first().waitFor();
  await shoot('companies');
  await page.keyboard.press('Escape');

  // flows: 阳光小区's flows, the complaint flow's editor with a step pointing nowhere (the server's
  // problems at their step), its diagram and the simulator
  await page.locator('[data-test=menu-flows]').click();
  await page.goto(`${base}/console/flows?orgId=${sunshine.id}`);
  await page.locator('[data-test=status-complaint]').waitFor();
  await shoot('flows');
  await page.locator('[data-test=open-flow-complaint]').click();
  await page.locator('[data-test=flow-editor] .cm-content').waitFor();
  const flow = await api('GET', `/api/v1/flows/complaint?orgId=${sunshine.id}`);
  flow.definition.steps.find((x: { id: string }) => x.id === 'description').next = 'nowhere';
  await page.locator('[data-test=flow-editor] .cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify(flow.definition, null, 2));
  await page.locator('[data-test=flow-save]').click();
  await page.locator('[data-test=problem-description]').click();
  await page.locator('[data-test=flow-editor] .cm-lintRange-error').first().waitFor();
  await shoot('flow', 1280, 900);
  await page.locator('#tab-diagram').click();
  await page.locator('[data-test=edge-missing]').first().waitFor();
  await shoot('flow-diagram', 1280, 900);
  await page.locator('#tab-simulator').click();
  await page.locator('[data-test=sim-restart]').click();
  await page.locator('[data-test=sim-choice]').first().click();
  await page.locator('[data-test=sim-person]').first().waitFor();
  await shoot('flow-simulator', 1280, 900);
  await shoot('flow-phone', 390, 844);
  await page.setViewportSize({ width: 1280, height: 800 });

  // metrics (三率) of the whole tree, a reminder's schedule builder with its next occurrences, party members
  await page.locator('[data-test=menu-metrics]').click();
  await page.locator('[data-test=chart-months] svg').waitFor();
  await page.locator('[data-test=chart-categories] svg').waitFor();
  await shoot('metrics', 1280, 1300);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('[data-test=menu-reminders]').click();
  await page.locator('[data-test=reminder-new]').click();
  await page.locator('[data-test=reminder-org] input').fill(String(sunshine.id));
  await page
    .locator('textarea[data-test=reminder-text], [data-test=reminder-text] textarea')
    .fill('{org}：{date}（{weekday}）{time} 三方联席会议，请准时参加');
  await page.locator('[data-test=preview-list] li').first().waitFor();
  await page.locator('[data-test=schedule-preview]').scrollIntoViewIfNeeded();
  await shoot('reminder', 1280, 1200);
  await page.keyboard.press('Escape');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('[data-test=menu-party]').click();
  await page.locator('[data-test=members]').waitFor();
  await shoot('party');
  // a new task's form
  await page.locator('.el-tabs__item', { hasText: '任务' }).click();
  await page.locator('[data-test=task-new]').click();
  await page.locator('[data-test=task-form] input[data-test=task-title]').fill('楼道杂物清理');
  await shoot('party-task', 1280, 1000);
  await page.keyboard.press('Escape');
} finally {
  await browser.close();
  await linli.stop();
  rmSync(dir, { recursive: true, force: true });
}
