import { notFound } from '../../../kernel/access/errors.js';
import { assertCanSee, type Principal } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import { type CountInput, type CountResult, count, turnout, type Voter } from '../counting.js';
import { type Outlook, outlook } from '../outlook.js';
import {
  ballotOptions,
  ballotVoters,
  electorateOf,
  findProposal,
  type ProposalRow,
  proposalsOf,
} from '../repository.js';

/**
 * Reading proposals: what the API shows of one (`present`), a compound's list, the live tally
 * and turnout of an open vote, and the stored result of a closed one.
 */

export function present(p: ProposalRow) {
  return {
    id: p.id,
    orgId: p.org_id,
    title: p.title,
    body: p.body,
    options: p.options,
    rule: p.rule,
    opensAt: p.opens_at,
    closesAt: p.closes_at,
    secret: p.secret,
    status: p.status,
    reminderHours: p.reminder_offsets.map((m) => m / 60),
    totals: p.totals,
    result: p.status === 'closed' ? p.result : null,
    createdAt: p.created_at,
    openedAt: p.opened_at,
    closedAt: p.closed_at,
    cancelledAt: p.cancelled_at,
  };
}

/** The proposal if the principal may see its compound; 404 otherwise. */
export async function visibleProposal(db: Db, p: Principal, id: number): Promise<ProposalRow> {
  const row = await findProposal(db, id);
  if (!row) throw notFound('proposal', id);
  const org = await findOrg(db, row.org_id);
  assertCanSee(p, org?.path ?? [], 'proposal', id);
  return row;
}

export async function getProposal(db: Db, p: Principal, id: number) {
  const row = await visibleProposal(db, p, id);
  return { ...present(row), turnout: row.status === 'open' ? await turnoutOf(db, row) : null };
}

export async function listProposals(db: Db, p: Principal, orgId: number) {
  const org = await findOrg(db, orgId);
  if (!org) throw notFound('org', orgId);
  assertCanSee(p, org.path, 'org', orgId);
  const rows = await proposalsOf(db, orgId);
  return { items: rows.map(present) };
}

/** The result once closed; while open the live turnout (and tally, unless secret). */
export async function proposalResult(db: Db, p: Principal, id: number) {
  const row = await visibleProposal(db, p, id);
  if (row.status === 'closed')
    return { id: row.id, status: row.status, final: true as const, ...row.result! };
  if (row.status !== 'open') return { id: row.id, status: row.status, final: false as const, turnout: null };
  const live = await countOf(db, row);
  return {
    id: row.id,
    status: row.status,
    final: false as const,
    turnout: await turnoutOf(db, row),
    options: row.secret ? null : live.options,
    outlook: await outlookOf(db, row),
  };
}

/** Whether an open vote can still pass, or can no longer fail (outlook.ts; participation only when secret). */
export async function outlookOf(q: Queryable, row: ProposalRow): Promise<Outlook> {
  return outlook({ ...(await countInput(q, row)), secret: row.secret });
}

export async function electorate(q: Queryable, id: number): Promise<Voter[]> {
  const rows = await electorateOf(q, id);
  return rows.map((r) => ({ personId: r.person_id, area: r.area }));
}

/** Counts the current ballots against the frozen electorate by the proposal's rule. */
export async function countOf(q: Queryable, row: ProposalRow): Promise<CountResult> {
  return count(await countInput(q, row));
}

/** The current ballots and the frozen electorate of a proposal, under its rule and options. */
async function countInput(q: Queryable, row: ProposalRow): Promise<CountInput> {
  const rows = await ballotOptions(q, row.id);
  return {
    rule: row.rule,
    options: row.options,
    electorate: await electorate(q, row.id),
    ballots: new Map(rows.map((r) => [r.person_id, r.option])),
  };
}

export async function turnoutOf(q: Queryable, row: ProposalRow) {
  const voters = await ballotVoters(q, row.id);
  return turnout(await electorate(q, row.id), voters);
}
