import { type PersonRow, personInSubtree, toPerson } from '../../kernel/access/directory.js';
import type { Queryable } from '../../kernel/db/db.js';
import type { Channel, Person, Role, RoleAssignment } from './schema.js';

export { findPerson, type PersonRow, personInSubtree, toPerson } from '../../kernel/access/directory.js';

export async function insertPerson(
  q: Queryable,
  p: { name: string; phone?: string | null; locale?: string; orgId: number | null },
): Promise<Person> {
  const { rows } = await q.query<PersonRow>(
    `INSERT INTO linli.people (name, phone, locale, org_id) VALUES ($1, $2, $3, $4) RETURNING *`,
    [p.name, p.phone ?? null, p.locale ?? 'zh-CN', p.orgId],
  );
  return toPerson(rows[0]!);
}

/** Sets the given fields of a person; returns the row after, or null when there is no such person. */
export async function updatePerson(
  q: Queryable,
  id: number,
  p: { name?: string; phone?: string; locale?: 'zh-CN' | 'en' },
): Promise<Person | null> {
  const { rows } = await q.query<PersonRow>(
    `UPDATE linli.people SET name = COALESCE($2, name), phone = COALESCE($3, phone), locale = COALESCE($4, locale)
     WHERE id = $1 RETURNING *`,
    [id, p.name ?? null, p.phone ?? null, p.locale ?? null],
  );
  return rows[0] ? toPerson(rows[0]) : null;
}

/** A person's chosen language (from chat: language-chat.ts). */
export async function setLocale(q: Queryable, personId: number, locale: 'zh-CN' | 'en'): Promise<void> {
  await q.query('UPDATE linli.people SET locale = $2 WHERE id = $1', [personId, locale]);
}

export async function listPeople(
  q: Queryable,
  f: { scopeOrgId: number | null; orgId?: number; q?: string; afterId: number | null; limit: number },
): Promise<Person[]> {
  const params: unknown[] = [];
  // a merged person lives on in the one it was merged into (GET /people/:id still shows it)
  const where: string[] = ['p.merged_into IS NULL'];
  if (f.scopeOrgId !== null) {
    params.push(f.scopeOrgId);
    where.push(personInSubtree(params.length));
  }
  if (f.orgId !== undefined) {
    params.push(f.orgId);
    where.push(personInSubtree(params.length));
  }
  if (f.q) {
    params.push(f.q);
    where.push(
      `(p.name ILIKE '%' || $${params.length} || '%' OR p.phone LIKE '%' || $${params.length} || '%')`,
    );
  }
  if (f.afterId !== null) {
    params.push(f.afterId);
    where.push(`p.id > $${params.length}`);
  }
  params.push(f.limit + 1);
  const { rows } = await q.query<PersonRow>(
    `SELECT p.* FROM linli.people p WHERE ${where.join(' AND ')} ORDER BY p.id LIMIT $${params.length}`,
    params,
  );
  return rows.map(toPerson);
}

export async function identitiesOf(q: Queryable, personId: number) {
  const { rows } = await q.query<{
    id: number;
    channel: Channel;
    external_id: string;
    display_name: string | null;
    created_at: Date;
  }>('SELECT * FROM linli.identities WHERE person_id = $1 ORDER BY id', [personId]);
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    externalId: r.external_id,
    displayName: r.display_name,
    createdAt: r.created_at,
  }));
}

export async function rolesOf(q: Queryable, personId: number, scopeOrgId: number | null) {
  const { rows } = await q.query<{ id: number; org_id: number; role: Role }>(
    `SELECT ra.id, ra.org_id, ra.role FROM linli.role_assignments ra JOIN linli.orgs o ON o.id = ra.org_id
     WHERE ra.person_id = $1 ${scopeOrgId === null ? '' : 'AND o.path @> ARRAY[$2::bigint]'} ORDER BY ra.id`,
    scopeOrgId === null ? [personId] : [personId, scopeOrgId],
  );
  return rows.map((r) => ({ id: r.id, orgId: r.org_id, role: r.role }));
}

export async function insertIdentity(
  q: Queryable,
  i: { personId: number; channel: Channel; externalId: string; displayName?: string | null },
) {
  const { rows } = await q.query<{ id: number; created_at: Date }>(
    `INSERT INTO linli.identities (person_id, channel, external_id, display_name) VALUES ($1, $2, $3, $4)
     RETURNING id, created_at`,
    [i.personId, i.channel, i.externalId, i.displayName ?? null],
  );
  const r = rows[0]!;
  return {
    id: r.id,
    channel: i.channel,
    externalId: i.externalId,
    displayName: i.displayName ?? null,
    createdAt: r.created_at,
  };
}

interface RoleRow {
  id: number;
  person_id: number;
  person_name: string;
  org_id: number;
  role: Role;
  created_at: Date;
}
const toRole = (r: RoleRow): RoleAssignment => ({
  id: r.id,
  personId: r.person_id,
  personName: r.person_name,
  orgId: r.org_id,
  role: r.role,
  createdAt: r.created_at,
});

/** Grants a role; returns null when the person already holds it at that org. */
export async function insertRole(
  q: Queryable,
  personId: number,
  orgId: number,
  role: Role,
): Promise<RoleAssignment | null> {
  const { rows } = await q.query<RoleRow>(
    `WITH ins AS (
       INSERT INTO linli.role_assignments (person_id, org_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (person_id, org_id, role) DO NOTHING RETURNING *)
     SELECT ins.*, p.name AS person_name FROM ins JOIN linli.people p ON p.id = ins.person_id`,
    [personId, orgId, role],
  );
  return rows[0] ? toRole(rows[0]) : null;
}

export async function listRoles(
  q: Queryable,
  f: { orgId: number; role?: Role; afterId: number | null; limit: number },
): Promise<RoleAssignment[]> {
  const { rows } = await q.query<RoleRow>(
    `SELECT ra.*, p.name AS person_name FROM linli.role_assignments ra JOIN linli.people p ON p.id = ra.person_id
     WHERE ra.org_id = $1 AND ($2::text IS NULL OR ra.role = $2) AND ($3::bigint IS NULL OR ra.id > $3)
     ORDER BY ra.id LIMIT $4`,
    [f.orgId, f.role ?? null, f.afterId, f.limit + 1],
  );
  return rows.map(toRole);
}

export async function deleteRole(q: Queryable, orgId: number, id: number): Promise<RoleAssignment | null> {
  const { rows } = await q.query<RoleRow>(
    `WITH del AS (DELETE FROM linli.role_assignments WHERE id = $1 AND org_id = $2 RETURNING *)
     SELECT del.*, p.name AS person_name FROM del JOIN linli.people p ON p.id = del.person_id`,
    [id, orgId],
  );
  return rows[0] ? toRole(rows[0]) : null;
}

/** The person behind a channel account, if any (used by the chat adapters). */
export async function findPersonByIdentity(
  q: Queryable,
  channel: Channel,
  externalId: string,
): Promise<Person | null> {
  const { rows } = await q.query<PersonRow>(
    `SELECT p.* FROM linli.people p JOIN linli.identities i ON i.person_id = p.id
     WHERE i.channel = $1 AND i.external_id = $2`,
    [channel, externalId],
  );
  return rows[0] ? toPerson(rows[0]) : null;
}

/** The id of the person holding a channel account, or null. */
export async function holderOfIdentity(
  q: Queryable,
  channel: Channel,
  externalId: string,
): Promise<number | null> {
  const { rows } = await q.query<{ person_id: number }>(
    'SELECT person_id FROM linli.identities WHERE channel = $1 AND external_id = $2',
    [channel, externalId],
  );
  return rows[0] ? Number(rows[0].person_id) : null;
}

/**
 * The person's private chat on a channel other than `tried`, oldest identity first (the outbox's
 * `OtherAddress`: a notice their Official Account may not carry goes to their Telegram or WeChat).
 */
export async function otherPrivateAddress(
  q: Queryable,
  personId: number,
  tried: readonly string[],
): Promise<{ channel: Channel; externalId: string } | null> {
  const { rows } = await q.query<{ channel: Channel; external_id: string }>(
    `SELECT i.channel, i.external_id FROM linli.identities i
      WHERE i.person_id = $1 AND i.channel <> ALL($2::text[]) ORDER BY i.id LIMIT 1`,
    [personId, [...tried]],
  );
  return rows[0] ? { channel: rows[0].channel, externalId: rows[0].external_id } : null;
}
