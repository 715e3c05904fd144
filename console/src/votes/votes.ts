import { api, must } from '../api/client';
import type { Schemas } from '../api/types';

export type Proposal = Schemas['Proposal'];
export type ProposalDetail = Schemas['ProposalDetail'];
/** GET /proposals/{id}/result: three shapes by status (closed: the count; open: turnout and outlook; else nothing yet). */
export const fetchResult = (id: number) =>
  must(api.GET('/api/v1/proposals/{id}/result', { params: { path: { id } } }));
export type ProposalResult = Awaited<ReturnType<typeof fetchResult>>;
export type BallotLog = Schemas['BallotLog'];
export type BallotLogCheck = Schemas['BallotLogCheck'];
export type ReceiptCheck = Schemas['ReceiptCheck'];
export type Unit = Schemas['Unit'];
export type Rule = Proposal['rule'];

export const RULES: Rule[] = ['art278-ordinary', 'art278-major', 'simple'];

export function proposalStatusType(status: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  if (status === 'open') return 'primary';
  if (status === 'closed') return 'success';
  if (status === 'cancelled') return 'info';
  return 'warning';
}

/** A decimal area string ("89.50") in integer cents, exactly. */
export function cents(area: string): bigint {
  const [whole = '0', frac = ''] = area.trim().split('.');
  const negative = whole.startsWith('-');
  const v = BigInt(whole.replace('-', '') || '0') * 100n + BigInt(`${frac}00`.slice(0, 2));
  return negative ? -v : v;
}

/** Whether `part` is at least two thirds of `total` (cross-multiplied, as the API counts). */
export function twoThirds(part: bigint | number, total: bigint | number): boolean {
  const p = BigInt(part);
  const t = BigInt(total);
  return t > 0n && p * 3n >= t * 2n;
}

/** One axis of the turnout, as the bars show it. */
export interface Axis {
  participating: string;
  total: string;
  pct: string;
  reached: boolean;
}

/** Both axes from whatever the result answers (open: turnout; closed: the count), or null before opening. */
export function axesOf(r: ProposalResult | null): { area: Axis; owners: Axis } | null {
  if (!r) return null;
  if (r.status === 'closed')
    return {
      area: {
        participating: r.area.participating,
        total: r.area.total,
        pct: r.area.participationPct,
        reached: twoThirds(cents(r.area.participating), cents(r.area.total)),
      },
      owners: {
        participating: String(r.owners.participating),
        total: String(r.owners.total),
        pct: r.owners.participationPct,
        reached: twoThirds(r.owners.participating, r.owners.total),
      },
    };
  if (r.status === 'open')
    return {
      area: {
        participating: r.turnout.area.participating,
        total: r.turnout.area.total,
        pct: r.turnout.area.pct,
        reached: twoThirds(cents(r.turnout.area.participating), cents(r.turnout.area.total)),
      },
      owners: {
        participating: String(r.turnout.owners.participating),
        total: String(r.turnout.owners.total),
        pct: r.turnout.owners.pct,
        reached: twoThirds(r.turnout.owners.participating, r.turnout.owners.total),
      },
    };
  return null;
}

/** A voting owner of the register: the unit's named voter (else its lowest person id), once per person. */
export interface Voter {
  personId: number;
  name: string;
  rooms: string[];
}

/** The voters of a compound's register (every page of GET /orgs/{id}/units). */
export async function votersOf(compoundId: number): Promise<Voter[]> {
  const units: Unit[] = [];
  let cursor: string | undefined;
  do {
    const page = await must(
      api.GET('/api/v1/orgs/{id}/units', {
        params: { path: { id: compoundId }, query: { limit: 200, cursor } },
      }),
    );
    units.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const byPerson = new Map<number, Voter>();
  for (const u of units) {
    if (!u.owners.length) continue;
    const named = u.owners.find((o) => o.voter);
    const voter = named ?? [...u.owners].sort((a, b) => a.personId - b.personId)[0]!;
    const room = [u.building, u.unit, u.room].join(' ');
    const v = byPerson.get(voter.personId);
    if (v) v.rooms.push(room);
    else byPerson.set(voter.personId, { personId: voter.personId, name: voter.name, rooms: [room] });
  }
  return [...byPerson.values()];
}

/** "48, 24" → [48, 24]; null when a part is not a positive number. */
export function parseHours(text: string): number[] | null {
  const parts = text
    .split(/[,，\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const nums = parts.map(Number);
  return nums.every((n) => Number.isFinite(n) && n > 0) ? nums : null;
}
