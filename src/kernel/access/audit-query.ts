import { z } from 'zod';
import type { Db } from '../db/db.js';
import { requireOrg } from './in-scope.js';
import { decodeCursor, page } from './pagination.js';
import { type Principal, scopeOrgId } from './principal.js';

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.date(),
    actor: z.string(),
    tokenId: z.number().int().nullable(),
    orgId: z.number().int().nullable(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

/** Reads the admin audit log, newest first, limited to the token's subtree. */
export class AuditService {
  constructor(private readonly db: Db) {}

  async list(
    p: Principal,
    f: {
      orgId?: number;
      action?: string;
      objectType?: string;
      objectId?: string;
      limit: number;
      cursor?: string;
    },
  ) {
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const scope = f.orgId ?? scopeOrgId(p);
    const { rows } = await this.db.query<{
      id: number;
      at: Date;
      actor: string;
      token_id: number | null;
      org_id: number | null;
      action: string;
      object_type: string;
      object_id: string | null;
      before: unknown;
      after: unknown;
      request_id: string | null;
    }>(
      `SELECT a.* FROM linli.audit_log a LEFT JOIN linli.orgs o ON o.id = a.org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint])
         AND ($2::text IS NULL OR a.action = $2) AND ($3::text IS NULL OR a.object_type = $3)
         AND ($4::text IS NULL OR a.object_id = $4) AND ($5::bigint IS NULL OR a.id < $5)
       ORDER BY a.id DESC LIMIT $6`,
      [
        scope,
        f.action ?? null,
        f.objectType ?? null,
        f.objectId ?? null,
        decodeCursor(f.cursor),
        f.limit + 1,
      ],
    );
    return page(
      rows.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        tokenId: r.token_id,
        orgId: r.org_id,
        action: r.action,
        objectType: r.object_type,
        objectId: r.object_id,
        before: r.before,
        after: r.after,
        requestId: r.request_id,
      })),
      f.limit,
    );
  }
}
