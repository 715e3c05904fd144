import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** the package's root: three levels up from src/kernel/db (and from dist/kernel/db) */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where `scripts/pglite-template.mjs` keeps the template for the installed PGlite version. */
export function pgliteTemplateFile(): string {
  const { version } = JSON.parse(
    readFileSync(`${ROOT}node_modules/@electric-sql/pglite/package.json`, 'utf8'),
  ) as { version: string };
  return `${ROOT}node_modules/.cache/linli/pglite-${version}.tar.gz`;
}

/**
 * The empty data directory that `scripts/pglite-template.mjs` (npm's `prepare`) keeps for this
 * PGlite version, as PGlite's `loadDataDir` takes it; null when there is none (installed with
 * --ignore-scripts, or it failed), and a first start runs initdb itself. The version in its name
 * keeps a template from another PGlite from being loaded.
 */
export function pgliteTemplate(): Blob | null {
  try {
    const file = pgliteTemplateFile();
    if (!existsSync(file)) return null;
    return new Blob([gunzipSync(readFileSync(file))]);
  } catch {
    return null;
  }
}
