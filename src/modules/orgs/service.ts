import { recordAudit } from '../../kernel/access/audit.js';
import {
  type AppError,
  badRequest,
  conflict,
  forbidden,
  isUniqueViolation,
  notFound,
} from '../../kernel/access/errors.js';
import { requireOrg } from '../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  type Principal,
  scopeOrgId,
} from '../../kernel/access/principal.js';
import type { Db } from '../../kernel/db/db.js';
import { findOrg, insertOrg, listOrgs, updateOrg } from './repository.js';
import {
  type CreateOrgBody,
  KIND_LABEL_ZH,
  type Org,
  type OrgKind,
  PARENT_KIND,
  type UpdateOrgBody,
} from './schema.js';

/** Rules of the org tree: kinds nest in order, names are unique among siblings, no cycles. */
export class OrgService {
  constructor(private readonly db: Db) {}

  async get(p: Principal, id: number): Promise<Org> {
    const org = await findOrg(this.db, id);
    if (!org) throw notFound('org', id);
    assertCanSee(p, org.path, 'org', id);
    return org;
  }

  async list(
    p: Principal,
    f: { parentId?: number; kind?: OrgKind; q?: string; limit: number; cursor?: string },
  ): Promise<{ items: Org[]; nextCursor: string | null }> {
    if (f.parentId !== undefined) await requireOrg(this.db, p, f.parentId, { field: 'parentId' });
    const rows = await listOrgs(this.db, {
      ...f,
      scopeOrgId: scopeOrgId(p),
      afterId: decodeCursor(f.cursor),
    });
    return page(rows, f.limit);
  }

  async create(actor: Actor, body: CreateOrgBody): Promise<Org> {
    const wantParent = PARENT_KIND[body.kind];
    try {
      return await this.db.transaction(async (tx) => {
        let parentPath: number[] = [];
        if (body.parentId != null) {
          const parent = await requireOrg(tx, actor.principal, body.parentId, {
            field: 'parentId',
            write: true,
            forUpdate: true,
          });
          if (parent.kind !== wantParent) throw wrongParent(body.kind, wantParent, parent.kind);
          parentPath = parent.path;
        } else {
          if (wantParent) throw wrongParent(body.kind, wantParent, null);
          if (actor.principal.kind !== 'superuser')
            throw forbidden('Only a superuser token can create a city');
        }
        const org = await insertOrg(tx, {
          kind: body.kind,
          name: body.name,
          parentId: body.parentId ?? null,
          parentPath,
        });
        await recordAudit(tx, actor, {
          action: 'org.create',
          objectType: 'org',
          objectId: org.id,
          orgId: org.id,
          after: org,
        });
        return org;
      });
    } catch (err) {
      throw mapDuplicate(err, body.name);
    }
  }

  async update(actor: Actor, id: number, body: UpdateOrgBody): Promise<Org> {
    try {
      return await this.db.transaction(async (tx) => {
        const org = await findOrg(tx, id, true);
        if (!org) throw notFound('org', id);
        assertCanWrite(actor.principal, org.path, 'org', id);
        let parent: Org | undefined;
        if (body.parentId !== undefined && body.parentId !== org.parentId) {
          const found = await requireOrg(tx, actor.principal, body.parentId, {
            field: 'parentId',
            write: true,
            forUpdate: true,
          });
          if (found.path.includes(id)) {
            throw badRequest('Moving an org under itself would make a cycle', [
              { field: 'parentId', message: `org ${body.parentId} is inside org ${id}'s subtree` },
            ]);
          }
          if (found.kind !== PARENT_KIND[org.kind])
            throw wrongParent(org.kind, PARENT_KIND[org.kind], found.kind);
          parent = found;
        }
        const updated = await updateOrg(tx, org, { name: body.name, parent, settings: body.settings });
        await recordAudit(tx, actor, {
          action: 'org.update',
          objectType: 'org',
          objectId: id,
          orgId: id,
          before: org,
          after: updated,
        });
        return updated;
      });
    } catch (err) {
      throw mapDuplicate(err, body.name ?? '');
    }
  }
}

function wrongParent(kind: OrgKind, want: OrgKind | null, got: OrgKind | null): AppError {
  const message = want
    ? `A ${kind} (${KIND_LABEL_ZH[kind]}) must have a ${want} (${KIND_LABEL_ZH[want]}) as parent, not ${got ?? 'none'}`
    : `A ${kind} is the top of the tree and takes no parent`;
  return badRequest(message, [{ field: 'parentId', message }]);
}

function mapDuplicate(err: unknown, name: string): unknown {
  if (isUniqueViolation(err, 'orgs_sibling_name_unique')) {
    return conflict(`An org named "${name}" already exists under this parent`, [
      { field: 'name', message: 'duplicate among siblings' },
    ]);
  }
  return err;
}
