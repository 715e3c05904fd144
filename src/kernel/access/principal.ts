import { forbidden, notFound } from './errors.js';

/**
 * Who is acting. The bootstrap ADMIN_TOKEN (and superuser tokens) see everything; any other
 * token acts only inside its org's subtree, as `admin` (read and write) or `viewer` (read).
 *
 * Contract (OWASP API1): every service checks the org of the object it touches, not only the
 * path. An object outside the subtree is reported as missing (404), never as forbidden, so a
 * token cannot probe for other compounds' ids; a write the token may not make inside its
 * subtree is 403.
 */
export type Principal =
  | { kind: 'superuser'; tokenId: number | null; label: string }
  | { kind: 'scoped'; tokenId: number; label: string; orgId: number; role: 'admin' | 'viewer' };

/** The actor of a write: who, and the request that carried it (for the audit log). */
export interface Actor {
  principal: Principal;
  requestId?: string;
}

export const SYSTEM_ACTOR: Actor = { principal: { kind: 'superuser', tokenId: null, label: 'system' } };

export function canSee(p: Principal, orgPath: readonly number[]): boolean {
  return p.kind === 'superuser' || orgPath.includes(p.orgId);
}

/** Inside the subtree and allowed to write there (not a viewer). */
export function canWrite(p: Principal, orgPath: readonly number[]): boolean {
  return canSee(p, orgPath) && (p.kind === 'superuser' || p.role === 'admin');
}

/** 404 unless the principal's subtree holds the object. */
export function assertCanSee(p: Principal, orgPath: readonly number[], what: string, id: unknown): void {
  if (!canSee(p, orgPath)) throw notFound(what, id);
}

/** 404 outside the subtree; 403 for a viewer inside it. */
export function assertCanWrite(p: Principal, orgPath: readonly number[], what: string, id: unknown): void {
  assertCanSee(p, orgPath, what, id);
  assertWriter(p);
}

/** 403 for a viewer token. */
export function assertWriter(p: Principal): void {
  if (p.kind === 'scoped' && p.role !== 'admin') throw forbidden('This token is read-only (viewer)');
}

/** The org a scoped principal is confined to, or null for a superuser. */
export function scopeOrgId(p: Principal): number | null {
  return p.kind === 'superuser' ? null : p.orgId;
}
