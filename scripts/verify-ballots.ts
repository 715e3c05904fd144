/**
 * Verifies an exported ballot log with no database and no token:
 *
 *   curl -s https://linli.example/api/v1/proposals/12/audit > vote-12.json
 *   npx tsx scripts/verify-ballots.ts vote-12.json
 *
 * Recomputes the hash chain, compares its head with the one published in the result message (and
 * printed here: compare it with the group's), recounts the last ballot of each voter against the
 * electorate and compares with the stored result. Exit status 0 when everything agrees, 1 when not.
 */
import { readFileSync } from 'node:fs';
import { type AuditExport, verifyExport } from '../src/modules/votes/verify-export.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx scripts/verify-ballots.ts <exported log .json>');
  process.exit(2);
}
const x = JSON.parse(readFileSync(file, 'utf8')) as AuditExport;
const r = verifyExport(x);
console.log(`proposal #${x.proposalId} ${x.proposal.title}: ${r.entries} entries, head ${r.head}`);
if (r.recount) {
  for (const o of r.recount.options) console.log(`  ${o.option}: ${o.owners} owners, ${o.area} m²`);
  console.log(`  ${r.recount.reason['zh-CN']}`);
}
for (const p of r.problems) console.log(`PROBLEM: ${p}`);
console.log(r.ok ? 'OK: the log, its head and the count agree' : 'NOT OK');
process.exit(r.ok ? 0 : 1);
