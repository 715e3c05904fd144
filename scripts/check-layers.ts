/**
 * The layering rule of src/ (part of `npm run lint`):
 *
 * - `src/kernel/` imports only the kernel (and packages): it knows no module, channel, flow or app;
 * - `src/channels/` and `src/flows/` (the generic engine) import no module;
 * - a module (`src/modules/<a>/`) imports another module (`src/modules/<b>/`) only through that
 *   module's `index.ts`.
 *
 * The edges that broke the rule when it was introduced are listed in `scripts/layer-debt.txt`
 * (`importer -> imported`, paths from the project root); each is work still to do, not a permission.
 * The check fails on an edge that breaks the rule and is not listed, and on a listed edge that no
 * longer exists (strike it from the list, so the list only shrinks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const DEBT_FILE = join(ROOT, 'scripts/layer-debt.txt');

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const COMMENT = /\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Why the edge breaks the rule, or null when it does not. */
export function breaks(importer: string, imported: string): string | null {
  const area = (p: string) => p.split('/')[1];
  const moduleOf = (p: string) => (p.startsWith('src/modules/') ? p.split('/')[2] : null);
  if (!imported.startsWith('src/')) return null;
  if (importer.startsWith('src/kernel/') && !imported.startsWith('src/kernel/'))
    return `the kernel imports ${area(imported)}`;
  if ((importer.startsWith('src/channels/') || importer.startsWith('src/flows/')) && moduleOf(imported))
    return `${area(importer)} imports a module`;
  const a = moduleOf(importer);
  const b = moduleOf(imported);
  if (a && b && a !== b && imported !== `src/modules/${b}/index.ts`)
    return `module ${a} reaches into module ${b} (not through its index.ts)`;
  return null;
}

export function edges(): { importer: string; imported: string }[] {
  const out: { importer: string; imported: string }[] = [];
  for (const file of sources('src')) {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(COMMENT, '');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      const imported = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      out.push({ importer: file, imported: relative(ROOT, join(ROOT, imported)) });
    }
  }
  return out;
}

function main(): number {
  const debt = new Set(
    readFileSync(DEBT_FILE, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  const seen = new Set<string>();
  const fresh: string[] = [];
  for (const { importer, imported } of edges()) {
    const why = breaks(importer, imported);
    if (!why) continue;
    const key = `${importer} -> ${imported}`;
    seen.add(key);
    if (!debt.has(key)) fresh.push(`${key}   (${why})`);
  }
  const paid = [...debt].filter((k) => !seen.has(k));
  for (const f of fresh) console.error(`layering: ${f}`);
  for (const p of paid) console.error(`layering: ${p} is gone: strike it from scripts/layer-debt.txt`);
  if (fresh.length || paid.length) return 1;
  console.log(`layering: no new edge across the layers (${debt.size} old ones listed as debt)`);
  return 0;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) process.exit(main());
