// Run by npm's `prepare` (npm ci / npm install): builds the embedded database's empty data
// directory once (PGlite's initdb, in memory, ~8 s on 2 cores) and keeps it gzipped in
// node_modules/.cache/linli/pglite-<PGlite version>.tar.gz, so a first start on an empty DATA_DIR
// loads it (~2 s) instead of running initdb (~10 s): src/kernel/db/pglite-template.ts reads it.
// Optional: should anything fail, it says so and exits 0; a first start then runs initdb as before.
// Plain JavaScript, dependencies only: it runs where dev dependencies are not installed (the image).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
try {
  const pkg = join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8'));
  const file = join(root, 'node_modules', '.cache', 'linli', `pglite-${version}.tar.gz`);
  if (existsSync(file)) process.exit(0);
  const started = Date.now();
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create();
  const image = Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer());
  await pg.close();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, gzipSync(image, { level: 6 }));
  renameSync(`${file}.tmp`, file);
  console.log(
    `linli: the embedded database's template is ready (${Date.now() - started} ms): first starts skip initdb`,
  );
} catch (err) {
  console.log(
    `linli: no template for the embedded database (${err?.message ?? err}); a first start runs initdb instead`,
  );
}
