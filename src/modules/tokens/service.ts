import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../kernel/access/audit.js';
import { notFound } from '../../kernel/access/errors.js';
import { requireOrg } from '../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import { type Actor, assertCanWrite, type Principal, scopeOrgId } from '../../kernel/access/principal.js';
import type { Db } from '../../kernel/db/db.js';

/**
 * Scoped admin tokens. A token is `lnl_` + 32 random bytes (base64url), shown once; only its
 * sha256 is stored. The bootstrap ADMIN_TOKEN is compared in constant time and never stored.
 */
export const createTokenBody = z.strictObject({
  orgId: z.number().int().positive(),
  role: z.enum(['admin', 'viewer']),
  label: z.string().trim().min(1).max(200),
});

export const tokenSchema = z.object({
  id: z.number(),
  orgId: z.number().nullable(),
  role: z.enum(['admin', 'viewer', 'superuser']),
  label: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type TokenInfo = z.infer<typeof tokenSchema>;

interface TokenRow {
  id: number;
  org_id: number | null;
  role: 'admin' | 'viewer' | 'superuser';
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
const toInfo = (r: TokenRow): TokenInfo => ({
  id: r.id,
  orgId: r.org_id,
  role: r.role,
  label: r.label,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newTokenSecret = () => `lnl_${randomBytes(32).toString('base64url')}`;

export class TokenService {
  constructor(
    private readonly db: Db,
    private readonly bootstrapToken: string | undefined,
  ) {}

  /** The principal a bearer token stands for, or null (unknown, revoked or malformed). */
  async authenticate(token: string): Promise<Principal | null> {
    if (this.bootstrapToken && safeEqual(token, this.bootstrapToken)) {
      return { kind: 'superuser', tokenId: null, label: 'bootstrap' };
    }
    if (!/^lnl_[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const { rows } = await this.db.query<TokenRow>(
      `UPDATE linli.api_tokens SET last_used_at = now()
       WHERE token_hash = $1 AND revoked_at IS NULL
       RETURNING id, org_id, role, label, created_at, last_used_at, revoked_at`,
      [hashToken(token)],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.role === 'superuser' || r.org_id === null)
      return { kind: 'superuser', tokenId: r.id, label: r.label };
    return { kind: 'scoped', tokenId: r.id, label: r.label, orgId: r.org_id, role: r.role };
  }

  async create(actor: Actor, body: z.infer<typeof createTokenBody>): Promise<TokenInfo & { token: string }> {
    return this.db.transaction(async (tx) => {
      await requireOrg(tx, actor.principal, body.orgId, { field: 'orgId', write: true });
      const token = newTokenSecret();
      const { rows } = await tx.query<TokenRow>(
        `INSERT INTO linli.api_tokens (org_id, role, label, token_hash, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, org_id, role, label, created_at, last_used_at, revoked_at`,
        [body.orgId, body.role, body.label, hashToken(token), actor.principal.tokenId],
      );
      const info = toInfo(rows[0]!);
      await recordAudit(tx, actor, {
        action: 'token.create',
        objectType: 'token',
        objectId: info.id,
        orgId: body.orgId,
        after: info,
      });
      return { ...info, token };
    });
  }

  /** The superuser token made on first start when ADMIN_TOKEN is not configured. */
  async createSuperuser(label: string): Promise<string> {
    const token = newTokenSecret();
    await this.db.query(
      `INSERT INTO linli.api_tokens (org_id, role, label, token_hash) VALUES (NULL, 'superuser', $1, $2)`,
      [label, hashToken(token)],
    );
    return token;
  }

  async hasSuperuser(): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM linli.api_tokens WHERE role = 'superuser' AND revoked_at IS NULL LIMIT 1`,
    );
    return rows.length > 0;
  }

  async list(p: Principal, f: { orgId?: number; limit: number; cursor?: string }) {
    const scope = f.orgId ?? scopeOrgId(p);
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const { rows } = await this.db.query<TokenRow>(
      `SELECT t.id, t.org_id, t.role, t.label, t.created_at, t.last_used_at, t.revoked_at FROM linli.api_tokens t
       LEFT JOIN linli.orgs o ON o.id = t.org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::bigint IS NULL OR t.id > $2)
       ORDER BY t.id LIMIT $3`,
      [scope, decodeCursor(f.cursor), f.limit + 1],
    );
    return page(rows.map(toInfo), f.limit);
  }

  async revoke(actor: Actor, id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TokenRow & { path: string[] | null }>(
        `SELECT t.id, t.org_id, t.role, t.label, t.created_at, t.last_used_at, t.revoked_at, o.path
         FROM linli.api_tokens t LEFT JOIN linli.orgs o ON o.id = t.org_id WHERE t.id = $1 FOR UPDATE OF t`,
        [id],
      );
      const row = rows[0];
      if (!row) throw notFound('token', id);
      assertCanWrite(actor.principal, (row.path ?? []).map(Number), 'token', id);
      if (row.revoked_at) return;
      await tx.query('UPDATE linli.api_tokens SET revoked_at = now() WHERE id = $1', [id]);
      await recordAudit(tx, actor, {
        action: 'token.revoke',
        objectType: 'token',
        objectId: id,
        orgId: row.org_id,
        before: toInfo(row),
      });
    });
  }
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
