// Builds the admin console (console/ → console/dist, served at /console by src/http/console-static.ts).
// Run by npm's `prepare` (so `npm ci && npm start` serves it with no separate step), by
// `npm run console:build`, and by the browser tests before they start. It installs the console's own
// dependencies when its lockfile changed (`npm ci --prefix console`: TypeScript 5 for openapi-typescript
// and vue-tsc, beside the root's TypeScript 7), then builds unless console/dist is newer than
// everything it is made of (console sources and docs/openapi.json). `--force` builds anyway.
// The build type-checks against the API's OpenAPI document: an API change the console does not
// follow fails here, with the compiler's message. Plain JavaScript: it runs before anything else.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const consoleDir = join(root, 'console');
const force = process.argv.includes('--force');
const say = (text) => console.log(`linli console: ${text}`);

if (process.env.LINLI_SKIP_CONSOLE_BUILD === '1') {
  say('skipped (LINLI_SKIP_CONSOLE_BUILD=1): /console answers 503 until it is built');
  process.exit(0);
}
if (!existsSync(join(consoleDir, 'package.json'))) {
  // an install without the console's sources (a Docker stage that copies only the lockfile)
  process.exit(0);
}

/** Newest modification time under `path` (a file or a directory), skipping generated files. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'schema.d.ts') continue; // written by the build itself
    t = Math.max(t, newest(join(path, entry)));
  }
  return t;
}

function run(args, what) {
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(
      `\nlinli console: ${what} failed (npm ${args.join(' ')}, exit ${r.status ?? r.signal}).\n` +
        '  The admin API runs without it (/console answers 503). If the API changed, the compiler\n' +
        '  names the console code that no longer fits docs/openapi.json: fix it under console/src,\n' +
        '  then run `npm run console:build`.',
    );
    process.exit(1);
  }
}

const installed = join(consoleDir, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || newest(join(consoleDir, 'package-lock.json')) > newest(installed)) {
  say('installing its dependencies (npm ci --prefix console)');
  run(['ci', '--prefix', 'console', '--no-audit', '--no-fund'], 'installing the console’s dependencies');
}

const built = newest(join(consoleDir, 'dist', 'index.html'));
const inputs = Math.max(
  newest(join(consoleDir, 'src')),
  newest(join(consoleDir, 'index.html')),
  newest(join(consoleDir, 'vite.config.ts')),
  newest(join(consoleDir, 'tsconfig.json')),
  newest(join(consoleDir, 'package-lock.json')),
  newest(join(root, 'docs', 'openapi.json')),
);
if (!force && built > inputs) process.exit(0);
const started = Date.now();
say('building (type-check against docs/openapi.json, then vite build)');
run(['run', 'build', '--prefix', 'console', '--silent'], 'building the console');
say(`built into console/dist in ${Date.now() - started} ms: served at /console`);
