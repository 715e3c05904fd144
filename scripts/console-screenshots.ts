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
  // down the demo city's tree to 阳光小区 (a click selects a node and opens it), then a bind code
  for (const name of ['示范市', '锦江区', '春熙路街道', '和平社区', '阳光小区'])
    await page.locator('[data-test=org-tree]').getByText(name, { exact: true }).click();
  await page.locator('[data-test=org-detail]').getByText('阳光小区').first().waitFor();
  await page.locator('[data-test=bind-code]').click();
  await page.locator('[data-test=bind-code-result]').waitFor();
  await shoot('orgs');
  await page.locator('[data-test=menu-deliveries]').click();
  await page.locator('[data-test=deliveries]').waitFor();
  await shoot('deliveries');
  await page.locator('[data-test=menu-audit]').click();
  await page.locator('[data-test=audit] .el-table__row').first().waitFor();
  await shoot('audit');
} finally {
  await browser.close();
  await linli.stop();
  rmSync(dir, { recursive: true, force: true });
}
