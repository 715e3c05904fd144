import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditExport, verifyExport } from '../../../src/modules/votes/verify-export.js';
import { seedTree, startTestApp, type TestApp } from '../../support/app.js';
import { seedRegister } from '../../support/owners.js';

const run = promisify(execFile);

describe('a closed vote checked by anyone from its exported log, with no database and no token', () => {
  let t: TestApp;
  let exported: AuditExport;
  let dir: string;
  let resultText: string;

  beforeAll(async () => {
    t = await startTestApp('pglite');
    const tree = await seedTree(t);
    const reg = await seedRegister(t.db, t.services, tree.compoundA);
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/proposals',
      body: {
        orgId: tree.compoundA,
        title: '更换门禁系统',
        rule: 'art278-ordinary',
        closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    });
    const id = created.body.id;
    for (const [personId, option, evidence] of [
      [reg.jia, '反对', '纸质票 1'],
      [reg.bing, '同意', '纸质票 2'],
      [reg.ding, '同意', '纸质票 3'],
      [reg.jia, '同意', '纸质票 1 改票'],
    ] as const) {
      const r = await t.call({
        method: 'POST',
        url: `/api/v1/proposals/${id}/ballots`,
        body: { personId, option, evidence },
      });
      expect(r.status).toBe(201);
    }
    await t.db.query(
      `UPDATE linli.proposals SET opens_at = now() - interval '2 hours', closes_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect(await t.services.votes.closeIfDue(id)).toBe(true);
    const { voteTexts } = await import('../../../src/modules/votes/texts.js');
    resultText = voteTexts.result((await t.services.votes.row(id))!);
    const r = await t.call({ method: 'GET', url: `/api/v1/proposals/${id}/audit`, token: null });
    expect(r.status).toBe(200);
    exported = r.body;
    dir = await mkdtemp(join(tmpdir(), 'linli-verify-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await t.close();
  });

  it('recomputes the chain to the head the result message published, and the count to the stored result', () => {
    const r = verifyExport(exported);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.entries).toBe(4);
    expect(resultText).toContain(`投票记录共 4 条，末条哈希：${r.head}`);
    // the changed ballot counts once, as its last entry says
    expect(r.recount?.options.find((o) => o.option === '同意')?.owners).toBe(3);
    expect(r.recount?.passed).toBe(exported.proposal.result?.passed);
  });

  it('finds a ballot rewritten in the export, a log cut short, and a result that does not follow from the log', () => {
    const edited = structuredClone(exported);
    edited.entries[1]!.entry.option = '反对';
    expect(verifyExport(edited).problems[0]).toMatch(/the chain breaks at entry 2/);

    const cut = structuredClone(exported);
    cut.entries.pop();
    expect(verifyExport(cut).problems.join('\n')).toMatch(/does not end where the result said/);

    const claimed = structuredClone(exported);
    claimed.proposal.result!.options[0]!.owners += 1;
    expect(verifyExport(claimed).problems.join('\n')).toMatch(/the result says 4 owners/);
  });

  it('scripts/verify-ballots.ts: exit 0 for the export, 1 for a rewritten one', async () => {
    const good = join(dir, 'vote.json');
    await writeFile(good, JSON.stringify(exported));
    const ok = await run('npx', ['tsx', 'scripts/verify-ballots.ts', good]);
    expect(ok.stdout).toContain('OK: the log, its head and the count agree');
    expect(ok.stdout).toContain(verifyExport(exported).head);

    const bad = join(dir, 'rewritten.json');
    const edited = structuredClone(exported);
    edited.entries[0]!.entry.option = '弃权';
    await writeFile(bad, JSON.stringify(edited));
    const refused = await run('npx', ['tsx', 'scripts/verify-ballots.ts', bad]).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('PROBLEM: the chain breaks at entry 1');
  });
});
