import { type LogEntry, type LogRow, verifyRows } from './ballot-log.js';
import { type CountResult, count, type Rule } from './counting.js';

/**
 * Checks an exported ballot log (the body of `GET /api/v1/proposals/:id/audit`) with nothing but
 * the export: the chain recomputed from its genesis, its head against the head published in the
 * result message, and the count redone from the last ballot of each voter against the frozen
 * electorate and compared with the stored result. No database, no token: what
 * `scripts/verify-ballots.ts` runs for anyone holding the file.
 */
export interface AuditExport {
  proposalId: number;
  proposal: { title: string; rule: Rule; options: string[]; status: string; result: CountResult | null };
  secret: boolean;
  sealed: boolean;
  electorate: { voter: number | string; area: string }[];
  entries: {
    seq: number;
    prevHash: string;
    entry: LogEntry;
    createdAt: string;
    hash: string;
    receipt: string;
  }[];
}

export interface ExportReport {
  ok: boolean;
  entries: number;
  /** the hash of the last entry as recomputed (64 zeros for an empty log) */
  head: string;
  problems: string[];
  /** the count redone from the log (null while the options are sealed) */
  recount: Pick<CountResult, 'passed' | 'winner' | 'options' | 'reason'> | null;
}

export function verifyExport(x: AuditExport): ExportReport {
  const problems: string[] = [];
  const rows: LogRow[] = x.entries.map((e) => ({
    proposal_id: x.proposalId,
    seq: e.seq,
    prev_hash: e.prevHash,
    entry: e.entry,
    created_at: new Date(e.createdAt),
    hash: e.hash,
    receipt: e.receipt,
  }));
  const chain = verifyRows(rows);
  if (!chain.ok) problems.push(`the chain breaks at entry ${chain.firstBrokenSeq}: ${chain.problem}`);
  for (const e of x.entries)
    if (e.entry.proposalId !== x.proposalId)
      problems.push(`entry ${e.seq} belongs to proposal ${e.entry.proposalId}`);
  const result = x.proposal.result;
  if (result?.log) {
    if (result.log.head !== chain.lastHash || result.log.entries !== x.entries.length)
      problems.push(
        `the log does not end where the result said it did: published ${result.log.entries} entries ending ${result.log.head}, the log has ${x.entries.length} ending ${chain.lastHash}`,
      );
  }
  if (x.sealed)
    return {
      ok: problems.length === 0,
      entries: rows.length,
      head: chain.lastHash,
      problems,
      recount: null,
    };

  // the last ballot of each voter counts (an owner may change their vote until the close)
  const keyOf = new Map<string, number>();
  const electorate = x.electorate.map((v, i) => {
    keyOf.set(String(v.voter), i + 1);
    return { personId: i + 1, area: v.area };
  });
  const ballots = new Map<number, string>();
  for (const e of x.entries) {
    const id = keyOf.get(String(e.entry.voter));
    if (id === undefined) problems.push(`entry ${e.seq}: its voter is not in the electorate`);
    else ballots.set(id, e.entry.option);
  }
  const recount = count({ rule: x.proposal.rule, options: x.proposal.options, electorate, ballots });
  if (result) {
    if (result.passed !== recount.passed || result.winner !== recount.winner)
      problems.push(
        `the result says ${result.passed ? `"${result.winner}" passed` : 'not passed'}, the log counts to ${recount.passed ? `"${recount.winner}" passed` : 'not passed'}`,
      );
    for (const o of recount.options) {
      const said = result.options.find((r) => r.option === o.option);
      if (!said || said.owners !== o.owners || said.area !== o.area)
        problems.push(
          `"${o.option}": the result says ${said?.owners ?? 0} owners / ${said?.area ?? '0.00'} ㎡, the log counts ${o.owners} / ${o.area}`,
        );
    }
  }
  return {
    ok: problems.length === 0,
    entries: rows.length,
    head: chain.lastHash,
    problems,
    recount: {
      passed: recount.passed,
      winner: recount.winner,
      options: recount.options,
      reason: recount.reason,
    },
  };
}
