import type { Queryable } from '../db/db.js';
import { findOrg, findPerson, type Org, type Person, personInSubtree } from './directory.js';
import { AppError, notFound } from './errors.js';
import { assertWriter, canSee, type Principal, scopeOrgId } from './principal.js';

/**
 * Every id a request names — in its path, its query or its body — is loaded through here, with
 * one rule: the object must lie in the token's subtree (a superuser's subtree is everything).
 * One outside it is answered exactly like one that does not exist: 404, same code, message and
 * details, so a token cannot tell "elsewhere" from "absent" (OWASP API1). Checks like "is it a
 * compound", "is it inside the reminder's org" come after, and only for objects in scope.
 *
 * - A path id (no `field`) keeps the path's answer: `<what> <id> not found`.
 * - A body or query id (`field` given) answers `404 {field, message: "no such <what>"}`, naming
 *   the field and not the id.
 * - `write: true`: the caller will write at that object: a viewer token gets 403 once it is
 *   known to be in scope.
 *
 * Where objects live (any one place inside the subtree makes them visible):
 * an org at its path; a person where they are registered, hold a role or own a unit (the rule of
 * `GET /people/:id`, `personInSubtree`); a unit at its building; a chat, party branch, proposal,
 * reminder (not deleted), evaluation campaign or task at its org; a party member at the compound
 * they report to; a resident's claim at its unit's compound; a complaint at its compound and at its handling level; a property company at
 * the org that registered it and at every compound it is contracted to.
 */
export type ScopedKind =
  | 'org'
  | 'person'
  | 'unit'
  | 'chat'
  | 'party_branch'
  | 'party_member'
  | 'property_company'
  | 'complaint'
  | 'proposal'
  | 'reminder'
  | 'evaluation'
  | 'task'
  | 'unit_claim';

export interface ScopeCheck {
  /** the body or query field that named the id (omit for a path id) */
  field?: string;
  /** the caller writes there: 403 for a viewer token */
  write?: boolean;
}

const WHAT: Record<ScopedKind, string> = {
  org: 'org',
  person: 'person',
  unit: 'unit',
  chat: 'chat',
  party_branch: 'party branch',
  party_member: 'party member',
  property_company: 'property company',
  complaint: 'complaint',
  proposal: 'proposal',
  reminder: 'reminder',
  evaluation: 'evaluation',
  task: 'task',
  unit_claim: 'claim',
};

/** The org paths an object lives at (`$1` = its id); no row: no such object. */
const PLACES: Record<Exclude<ScopedKind, 'person'>, string> = {
  org: 'SELECT o.path FROM linli.orgs o WHERE o.id = $1',
  unit: 'SELECT o.path FROM linli.units u JOIN linli.orgs o ON o.id = u.building_id WHERE u.id = $1',
  chat: 'SELECT o.path FROM linli.chats c JOIN linli.orgs o ON o.id = c.org_id WHERE c.id = $1',
  party_branch:
    'SELECT o.path FROM linli.party_branches b JOIN linli.orgs o ON o.id = b.org_id WHERE b.id = $1',
  party_member:
    'SELECT o.path FROM linli.party_members m JOIN linli.orgs o ON o.id = m.compound_id WHERE m.id = $1',
  property_company: `SELECT o.path FROM linli.property_companies c JOIN linli.orgs o ON o.id = c.org_id WHERE c.id = $1
     UNION ALL
     SELECT o.path FROM linli.property_contracts k JOIN linli.orgs o ON o.id = k.compound_id WHERE k.company_id = $1`,
  complaint: `SELECT o.path FROM linli.complaints c JOIN linli.orgs o ON o.id IN (c.org_id, c.level_org_id)
     WHERE c.id = $1`,
  proposal: 'SELECT o.path FROM linli.proposals x JOIN linli.orgs o ON o.id = x.org_id WHERE x.id = $1',
  reminder: `SELECT o.path FROM linli.reminders x JOIN linli.orgs o ON o.id = x.org_id
     WHERE x.id = $1 AND x.status <> 'deleted'`,
  evaluation:
    'SELECT o.path FROM linli.evaluation_campaigns x JOIN linli.orgs o ON o.id = x.org_id WHERE x.id = $1',
  task: 'SELECT o.path FROM linli.party_tasks x JOIN linli.orgs o ON o.id = x.org_id WHERE x.id = $1',
  unit_claim: `SELECT o.path FROM linli.unit_residents r JOIN linli.units u ON u.id = r.unit_id
     JOIN linli.orgs o ON o.id = u.compound_id WHERE r.id = $1`,
};

/** The one answer for "not in your scope" and "does not exist". */
export function outOfScope(kind: ScopedKind, id: unknown, field?: string): AppError {
  const what = WHAT[kind];
  if (field === undefined) return notFound(what, id);
  return new AppError(404, 'not_found', `${field}: no such ${what}`, [{ field, message: `no such ${what}` }]);
}

function finish(p: Principal, visible: boolean, kind: ScopedKind, id: number, check: ScopeCheck): void {
  if (!visible) throw outOfScope(kind, id, check.field);
  if (check.write) assertWriter(p);
}

/** 404 (see above) unless the object exists inside the principal's subtree. */
export async function requireInScope(
  q: Queryable,
  p: Principal,
  kind: ScopedKind,
  id: number,
  check: ScopeCheck = {},
): Promise<void> {
  if (kind === 'person') {
    await requirePerson(q, p, id, check);
    return;
  }
  const { rows } = await q.query<{ path: (string | number)[] }>(PLACES[kind], [id]);
  finish(
    p,
    rows.some((r) => canSee(p, r.path.map(Number))),
    kind,
    id,
    check,
  );
}

/** The org, if it is inside the principal's subtree; else 404 (see above). */
export async function requireOrg(
  q: Queryable,
  p: Principal,
  id: number,
  check: ScopeCheck & { forUpdate?: boolean } = {},
): Promise<Org> {
  const org = await findOrg(q, id, check.forUpdate);
  finish(p, org !== null && canSee(p, org.path), 'org', id, check);
  return org!;
}

/** The person, if the principal's subtree holds them (as for `GET /people/:id`); else 404. */
export async function requirePerson(
  q: Queryable,
  p: Principal,
  id: number,
  check: ScopeCheck = {},
): Promise<Person> {
  const person = await findPerson(q, id, scopeOrgId(p));
  finish(p, person !== null, 'person', id, check);
  return person!;
}

/**
 * A list of person ids (`field.0`, `field.1` …): 404 naming every position outside the subtree
 * or absent (the same answer for both).
 */
export async function requirePeople(
  q: Queryable,
  p: Principal,
  ids: readonly number[],
  field: string,
): Promise<void> {
  if (ids.length === 0) return;
  const scope = scopeOrgId(p);
  const { rows } = await q.query<{ id: number }>(
    `SELECT p.id FROM linli.people p WHERE p.id = ANY($1::bigint[])${scope === null ? '' : ` AND ${personInSubtree(2)}`}`,
    scope === null ? [ids] : [ids, scope],
  );
  const known = new Set(rows.map((r) => Number(r.id)));
  const missing = ids.flatMap((id, i) => (known.has(id) ? [] : [`${field}.${i}`]));
  if (missing.length === 0) return;
  throw new AppError(
    404,
    'not_found',
    `${missing[0]}: no such person`,
    missing.map((f) => ({ field: f, message: 'no such person' })),
  );
}
