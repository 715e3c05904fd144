import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Headless Chromium from the system's packages (Debian's `chromium`, which .ci/run installs when
 * missing), driven by playwright-core. `LINLI_CHROMIUM` names another binary.
 */
export const CHROMIUM = process.env.LINLI_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run: without Chromium they are skipped with a warning, except on
 * CI (CI=true), where a missing browser fails the run instead of silently testing less.
 */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set LINLI_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`CI needs a browser for the console tests: ${why}`);
  console.warn(`[tests] ${why}: the console's browser tests are skipped`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright gives each launch a fresh profile (its own --user-data-dir)
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * console/dist is there: test/global-setup.ts builds it once before any test file starts (the script
 * npm's prepare runs; a no-op when the build is fresh). Not here: a build empties console/dist, and
 * test files run in parallel.
 */
export function ensureConsoleBuilt(): void {
  if (process.env.LINLI_CONSOLE_BUILD_FAILED === '1')
    throw new Error('the console did not build in global setup: run `node scripts/console-build.mjs`');
  const root = join(import.meta.dirname, '..', '..');
  if (!existsSync(join(root, 'console', 'dist', 'index.html')))
    throw new Error('console/dist/index.html is missing: run `node scripts/console-build.mjs`');
}

/** Builds console/dist when it is missing or older than its sources or docs/openapi.json. */
export function buildConsole(): void {
  const root = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'scripts', 'console-build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}

/** The page's CSP violations and uncaught errors (a test expects none). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text()))
      problems.push(`csp: ${msg.text()}`);
  });
  return problems;
}

/** Signs in on /console with `token` and waits for the layout's header. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.locator('input[data-test=token], [data-test=token] input').fill(token);
  await page.locator('[data-test=sign-in]').click();
  await page.locator('[data-test=who]').waitFor();
}

/**
 * One test file's browser: Chromium launched once (after checking console/dist is there), each page
 * in a fresh context (its own sessionStorage: signed out) at a laptop's size unless told (a phone's),
 * in China's locale and time zone, its CSP violations and errors collected; `close` ends them all.
 */
export class ConsoleBrowser {
  private readonly contexts: BrowserContext[] = [];
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<ConsoleBrowser> {
    ensureConsoleBuilt();
    return new ConsoleBrowser(await launchChromium());
  }

  async newPage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
    const context = await this.browser.newContext({
      viewport,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    });
    this.contexts.push(context);
    const page = await context.newPage();
    // generous: on a slow 2-core CI machine two Chromiums and two Linli processes share the cores,
    // and a page's first load (its chunks parsed cold) took over 15 s there
    page.setDefaultTimeout(30_000);
    return { page, problems: watchProblems(page) };
  }

  async close(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => {});
    await this.browser.close();
  }
}
