import { createHash } from 'node:crypto';
import type { Queryable } from '../../kernel/db/db.js';
import { insertLogRow, lastLogRow } from './repository.js';

/**
 * The ballot log of a proposal: an append-only hash chain. Entry n stores
 * `hash_n = sha256(hash_{n-1} || canonical(entry_n) || created_at_n)` (hex; `created_at` as
 * ISO-8601 with milliseconds; the first entry chains to 64 zeros). Anyone holding the chain can
 * recompute it; a row edited, removed or reordered in the database breaks it at that seq.
 *
 * The receipt a voter gets is the first 40 bits of the hash in Crockford base32 (8 characters):
 * short enough to write down, and it names one entry of the chain.
 */
export const GENESIS = '0'.repeat(64);

/** Where a ballot came from (the ballots table's channel check, migrations 006 and 032). */
export const BALLOT_CHANNELS = ['telegram', 'wechat', 'wechat_oa', 'paper', 'api'] as const;
export type BallotChannel = (typeof BALLOT_CHANNELS)[number];

export interface LogEntry {
  kind: 'ballot';
  proposalId: number;
  /** the person id, or for a secret ballot sha256(salt || id) as hex */
  voter: number | string;
  option: string;
  channel: BallotChannel;
  paper: boolean;
  /** 1 for the first ballot of this voter, 2 for their first change, … */
  version: number;
}

export interface LogRow {
  proposal_id: number;
  seq: number;
  prev_hash: string;
  entry: LogEntry;
  created_at: Date;
  hash: string;
  receipt: string;
}

/** JSON with object keys sorted at every level (what the hash covers). */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export function chainHash(prevHash: string, entry: unknown, at: Date): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonical(entry))
    .update(at.toISOString())
    .digest('hex');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The 8-character receipt code of a hash (its first 40 bits, Crockford base32). */
export function receiptOf(hash: string): string {
  let bits = BigInt(`0x${hash.slice(0, 10)}`);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = CROCKFORD[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

/** Normalises what a person types (lower case, O for 0, I/L for 1, spaces and dashes). */
export function normalizeReceipt(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/** Appends an entry (the caller holds the proposal's row lock, so seqs never race). */
export async function appendEntry(tx: Queryable, entry: LogEntry, at: Date): Promise<LogRow> {
  const last = await lastLogRow(tx, entry.proposalId);
  const seq = (last?.seq ?? 0) + 1;
  const prev = last?.hash ?? GENESIS;
  // the database keeps microseconds; the chain uses the millisecond the JS Date has
  const when = new Date(Math.floor(at.getTime()));
  const hash = chainHash(prev, entry, when);
  return insertLogRow(tx, { seq, prevHash: prev, entry, createdAt: when, hash, receipt: receiptOf(hash) });
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  /** the first seq whose row does not match the chain (edited, missing or reordered) */
  firstBrokenSeq: number | null;
  problem: string | null;
  lastHash: string;
}

/** Recomputes a chain from its rows (in seq order). */
export function verifyRows(rows: LogRow[]): VerifyReport {
  let prev = GENESIS;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const broken = (problem: string): VerifyReport => ({
      ok: false,
      entries: rows.length,
      firstBrokenSeq: r.seq,
      problem,
      lastHash: prev,
    });
    if (r.seq !== i + 1) return broken(`seq ${i + 1} is missing`);
    if (r.prev_hash !== prev) return broken('prev_hash does not match the hash of the entry before');
    const h = chainHash(prev, r.entry, r.created_at);
    if (h !== r.hash) return broken('hash does not match the entry, its time and the previous hash');
    if (receiptOf(h) !== r.receipt) return broken('receipt does not match the hash');
    prev = h;
  }
  return { ok: true, entries: rows.length, firstBrokenSeq: null, problem: null, lastHash: prev };
}

/** The pseudonym of a voter in a secret ballot's log. */
export function pseudonym(salt: string, personId: number): string {
  return createHash('sha256').update(`${salt}:${personId}`).digest('hex').slice(0, 16);
}
