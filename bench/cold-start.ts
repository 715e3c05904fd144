// First start on an empty DATA_DIR as a newcomer runs it (`npm start`: tsx src/main.ts, run here as
// node --import tsx so that SIGTERM reaches it, embedded
// PGlite, BullMQ on it, the demo seeded), from launch to the banner, with the phases the start
// logs (the embedded database created, migrated); then the same without the template of
// scripts/pglite-template.mjs (initdb at start); and `node dist/main.js` (the image's way) when
// dist/ exists (npm run build).
//   npx tsx bench/cold-start.ts [--runs 3]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteTemplateFile } from '../src/kernel/db/pglite-template.js';
import { flags, fmt, freePort, numberFlag, sourceRevision } from './support.js';

interface Run {
  created: number;
  migrated: number;
  banner: number;
}

async function coldStart(command: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'linli-cold-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    PORT: String(await freePort()),
    LOG_FORMAT: 'json',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const started = performance.now();
  const child = spawn(command[0] as string, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Partial<Run> = {};
  let out = '';
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const at = performance.now() - started;
      if (run.created === undefined && out.includes('embedded database created')) run.created = at;
      if (run.migrated === undefined && out.includes('database migrated')) run.migrated = at;
      if (out.includes('is running (role')) {
        run.banner = at;
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`exited before the banner:\n${out}`)));
  });
  child.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return run as Run;
}

async function series(label: string, command: string[], runs: number) {
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) all.push(await coldStart(command));
  const med = (k: keyof Run) =>
    all.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(all.length / 2)] as number;
  console.log(
    `| ${label} | ${fmt(med('created') / 1000)} | ${fmt(med('migrated') / 1000)} | ${fmt(med('banner') / 1000)} | ${all.map((r) => fmt(r.banner / 1000)).join(', ')} |`,
  );
}

const f = flags();
const runs = numberFlag(f, 'runs', 3);
console.log(
  `cold start on an empty DATA_DIR (median of ${runs}, seconds from launch); src ${sourceRevision()}\n`,
);
console.log('| start | database created | migrated | banner | each run |');
console.log('|---|---|---|---|---|');
const template = pgliteTemplateFile();
if (!existsSync(template)) console.log('(no template: run `npm run prepare` first)');
await series('npm start (tsx), template', [process.execPath, '--import', 'tsx', 'src/main.ts'], runs);
if (existsSync('dist/main.js')) await series('node dist/main.js, template', ['node', 'dist/main.js'], runs);
if (existsSync(template)) {
  renameSync(template, `${template}.away`);
  try {
    await series(
      'npm start (tsx), no template (initdb)',
      [process.execPath, '--import', 'tsx', 'src/main.ts'],
      runs,
    );
  } finally {
    renameSync(`${template}.away`, template);
  }
}
