import type { Queryable } from '../db/db.js';
import type { Actor } from './principal.js';

/**
 * The admin audit log: every admin write, in the transaction of the write itself, with the
 * object's state before and after. Secrets (token hashes) never enter it.
 */
export interface AuditEntry {
  action: string;
  objectType: string;
  objectId: string | number | null;
  orgId: number | null;
  before?: unknown;
  after?: unknown;
}

export async function recordAudit(tx: Queryable, actor: Actor, e: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO linli.audit_log (actor, token_id, org_id, action, object_type, object_id, before, after, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      actor.principal.label,
      actor.principal.tokenId,
      e.orgId,
      e.action,
      e.objectType,
      e.objectId === null ? null : String(e.objectId),
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      actor.requestId ?? null,
    ],
  );
}
