import { recordAudit } from '../../kernel/access/audit.js';
import { conflict, isUniqueViolation, notFound } from '../../kernel/access/errors.js';
import { requireOrg, requirePerson } from '../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  assertWriter,
  type Principal,
  scopeOrgId,
} from '../../kernel/access/principal.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import { findOrg } from '../orgs/index.js';
import { type MergeOutcome, mergePeople } from './merge.js';
import {
  deleteRole,
  findPerson,
  holderOfIdentity,
  identitiesOf,
  insertIdentity,
  insertPerson,
  insertRole,
  listPeople,
  listRoles,
  rolesOf,
  updatePerson,
} from './repository.js';
import {
  type CreatePersonBody,
  type IdentityBody,
  maskPhone,
  type Person,
  type Role,
  type UpdatePersonBody,
} from './schema.js';

/** People, their channel identities and their roles at orgs. */
export class PeopleService {
  constructor(private readonly db: Db) {}

  /** Phone numbers are shown whole to admins only. */
  private present(p: Principal, person: Person): Person {
    return p.kind === 'scoped' && p.role !== 'admin' ? { ...person, phone: maskPhone(person.phone) } : person;
  }

  async create(actor: Actor, body: CreatePersonBody): Promise<Person> {
    const p = actor.principal;
    const orgId = body.orgId ?? scopeOrgId(p);
    return this.db.transaction(async (tx) => {
      if (orgId !== null) await requireOrg(tx, p, orgId, { field: 'orgId', write: true });
      const person = await insertPerson(tx, {
        name: body.name,
        phone: body.phone,
        locale: body.locale,
        orgId,
      });
      await recordAudit(tx, actor, {
        action: 'person.create',
        objectType: 'person',
        objectId: person.id,
        orgId,
        after: person,
      });
      return person;
    });
  }

  /** Changes a person inside the token's subtree (404 outside it); audited with before and after. */
  async update(actor: Actor, id: number, body: UpdatePersonBody): Promise<Person> {
    const p = actor.principal;
    return this.db.transaction(async (tx) => {
      const before = await findPerson(tx, id, scopeOrgId(p));
      if (!before) throw notFound('person', id);
      assertWriter(p);
      const after = (await updatePerson(tx, id, body))!;
      await recordAudit(tx, actor, {
        action: 'person.update',
        objectType: 'person',
        objectId: id,
        orgId: before.orgId,
        before,
        after,
      });
      return this.present(p, after);
    });
  }

  async get(p: Principal, id: number) {
    const person = await findPerson(this.db, id, scopeOrgId(p));
    if (!person) throw notFound('person', id);
    return {
      ...this.present(p, person),
      mergedInto: await mergedInto(this.db, id),
      identities: await identitiesOf(this.db, id),
      roles: await rolesOf(this.db, id, scopeOrgId(p)),
    };
  }

  async list(p: Principal, f: { orgId?: number; q?: string; limit: number; cursor?: string }) {
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const rows = await listPeople(this.db, {
      ...f,
      scopeOrgId: scopeOrgId(p),
      afterId: decodeCursor(f.cursor),
    });
    const result = page(rows, f.limit);
    return { ...result, items: result.items.map((r) => this.present(p, r)) };
  }

  async addIdentity(actor: Actor, personId: number, body: IdentityBody) {
    const p = actor.principal;
    try {
      return await this.db.transaction(async (tx) => {
        const person = await findPerson(tx, personId, scopeOrgId(p));
        if (!person) throw notFound('person', personId);
        assertWriter(p);
        const identity = await insertIdentity(tx, { personId, ...body });
        await recordAudit(tx, actor, {
          action: 'identity.create',
          objectType: 'identity',
          objectId: identity.id,
          orgId: person.orgId,
          after: { personId, ...identity },
        });
        return identity;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'identities_channel_external_unique')) {
        // a holder the token may see is named, with the way to join the two; outside its subtree
        // the account is only taken, and nothing says by whom or where
        const holder = await holderOfIdentity(this.db, body.channel, body.externalId);
        if (holder !== null && (await findPerson(this.db, holder, scopeOrgId(p)))) {
          throw conflict(
            `This ${body.channel} account belongs to person ${holder}: to make them one person, POST /api/v1/people/${personId}/merge with {"from": ${holder}}`,
            [{ field: 'externalId', message: `already linked to person ${holder}` }],
          );
        }
        throw conflict(`This ${body.channel} account is already linked to a person`, [
          { field: 'externalId', message: 'already linked' },
        ]);
      }
      throw err;
    }
  }

  /**
   * Person `from` absorbed into `keep` (see merge.ts): both must be inside the token's subtree
   * (404 otherwise, as everywhere), the token must write.
   */
  async merge(actor: Actor, keep: number, from: number): Promise<MergeOutcome> {
    const p = actor.principal;
    return this.db.transaction(async (tx) => {
      const kept = await findPerson(tx, keep, scopeOrgId(p));
      if (!kept) throw notFound('person', keep);
      await requirePerson(tx, p, from, { field: 'from' });
      assertWriter(p);
      return mergePeople(tx, actor, keep, from, kept.orgId);
    });
  }

  async grantRole(actor: Actor, orgId: number, body: { personId: number; role: Role }) {
    const p = actor.principal;
    return this.db.transaction(async (tx) => {
      const org = await findOrg(tx, orgId);
      if (!org) throw notFound('org', orgId);
      assertCanWrite(p, org.path, 'org', orgId);
      await requirePerson(tx, p, body.personId, { field: 'personId' });
      const role = await insertRole(tx, body.personId, orgId, body.role);
      if (!role) {
        throw conflict(`Person ${body.personId} already holds ${body.role} at org ${orgId}`, [
          { field: 'role', message: 'already assigned' },
        ]);
      }
      await recordAudit(tx, actor, {
        action: 'role.grant',
        objectType: 'role_assignment',
        objectId: role.id,
        orgId,
        after: role,
      });
      return role;
    });
  }

  async listRoles(p: Principal, orgId: number, f: { role?: Role; limit: number; cursor?: string }) {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    return page(
      await listRoles(this.db, { orgId, role: f.role, afterId: decodeCursor(f.cursor), limit: f.limit }),
      f.limit,
    );
  }

  async revokeRole(actor: Actor, orgId: number, assignmentId: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const org = await findOrg(tx, orgId);
      if (!org) throw notFound('org', orgId);
      assertCanWrite(actor.principal, org.path, 'org', orgId);
      const removed = await deleteRole(tx, orgId, assignmentId);
      if (!removed) throw notFound('role assignment', assignmentId);
      await recordAudit(tx, actor, {
        action: 'role.revoke',
        objectType: 'role_assignment',
        objectId: assignmentId,
        orgId,
        before: removed,
      });
    });
  }
}

async function mergedInto(q: Queryable, id: number): Promise<number | null> {
  const { rows } = await q.query<{ merged_into: number | null }>(
    'SELECT merged_into FROM linli.people WHERE id = $1',
    [id],
  );
  return rows[0]?.merged_into ?? null;
}
