// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by package / source file and
// the hottest functions. Usage: npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

/** Where a frame lives: an npm package, a file of this repo, node internals, or V8 pseudo-frames. */
function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const m = /\/(src|test|bench)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : url;
}

const areas = new Map<string, number>();
const fns = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  const a = area(url, functionName);
  total += us;
  areas.set(a, (areas.get(a) ?? 0) + us);
  const key = `${functionName || '(anonymous)'}  ${a}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
/**
 * Busy time by layer: a sample belongs to the first layer found walking up its stack, so the socket
 * write under a pg query counts as database driver, the one under a reply as HTTP.
 */
const LAYERS: [string, RegExp][] = [
  ['database driver (pg)', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//],
  ['logging (pino)', /node_modules\/(pino|@pinojs|sonic-boom|pino-std-serializers)\//],
  ['queue (ioredis, bullmq)', /node_modules\/(ioredis|bullmq)\//],
  ['HTTP (node:http, fastify)', /node_modules\/(fastify|find-my-way|light-my-request|avvio)\/|^node:_http/],
  ['bench instrumentation', /\/bench\//],
  ['Linli code (src/)', /\/src\//],
];
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const layers = new Map<string, number>();
let busy = 0;
for (const [id, us] of selfUs) {
  const fn = byId.get(id)!.callFrame.functionName;
  if (fn === '(idle)') continue;
  busy += us;
  let layer = fn === '(garbage collector)' ? 'garbage collector' : 'other (node internals, V8)';
  for (
    let cur: number | undefined = id;
    cur !== undefined && layer.startsWith('other');
    cur = parent.get(cur)
  ) {
    const url = byId.get(cur)!.callFrame.url;
    const hit = LAYERS.find(([, re]) => re.test(url));
    if (hit) layer = hit[0];
  }
  layers.set(layer, (layers.get(layer) ?? 0) + us);
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const wall = (profile.endTime - profile.startTime) / 1e6;
console.log(`${file}: ${wall.toFixed(1)} s profiled, ${(total / 1e6).toFixed(1)} s sampled`);
console.log(`\nbusy time (${(busy / 1e6).toFixed(1)} s, idle excluded) by layer, inclusive:`);
for (const [l, us] of [...layers].sort((x, y) => y[1] - x[1]))
  console.log(`  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${l}`);
console.log('\nself time by area:');
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us)}  ${a}`);
console.log('\nhottest functions (self time):');
for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us)}  ${f}`);
