import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../kernel/access/audit.js';
import { notFound } from '../../kernel/access/errors.js';
import { requireOrg } from '../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import { type Actor, assertCanWrite, type Principal, scopeOrgId } from '../../kernel/access/principal.js';
import type { Db } from '../../kernel/db/db.js';
import {
  insertSuperuserToken,
  insertToken,
  listTokens,
  lockToken,
  revokeToken,
  superuserTokenExists,
  type TokenRow,
  touchToken,
} from './repository.js';

/**
 * Scoped admin tokens. A token is `lnl_` + 32 random bytes (base64url), shown once; only its
 * sha256 is stored. The bootstrap ADMIN_TOKEN is compared in constant time and never stored.
 */
export const createTokenBody = z.strictObject({
  orgId: z.number().int().positive(),
  role: z.enum(['admin', 'viewer']),
  label: z.string().trim().min(1).max(200),
});

export const tokenSchema = z
  .object({
    id: z.number().int(),
    orgId: z.number().int().nullable(),
    role: z.enum(['admin', 'viewer', 'superuser']),
    label: z.string(),
    createdAt: z.date(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
  })
  .meta({ id: 'Token' });
export type TokenInfo = z.infer<typeof tokenSchema>;

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
    const r = await touchToken(this.db, hashToken(token));
    if (!r) return null;
    if (r.role === 'superuser' || r.org_id === null)
      return { kind: 'superuser', tokenId: r.id, label: r.label };
    return { kind: 'scoped', tokenId: r.id, label: r.label, orgId: r.org_id, role: r.role };
  }

  async create(actor: Actor, body: z.infer<typeof createTokenBody>): Promise<TokenInfo & { token: string }> {
    return this.db.transaction(async (tx) => {
      await requireOrg(tx, actor.principal, body.orgId, { field: 'orgId', write: true });
      const token = newTokenSecret();
      const info = toInfo(
        await insertToken(tx, {
          orgId: body.orgId,
          role: body.role,
          label: body.label,
          tokenHash: hashToken(token),
          createdBy: actor.principal.tokenId,
        }),
      );
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
    await insertSuperuserToken(this.db, label, hashToken(token));
    return token;
  }

  async hasSuperuser(): Promise<boolean> {
    return superuserTokenExists(this.db);
  }

  async list(p: Principal, f: { orgId?: number; limit: number; cursor?: string }) {
    const scope = f.orgId ?? scopeOrgId(p);
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const rows = await listTokens(this.db, { scope, after: decodeCursor(f.cursor), limit: f.limit + 1 });
    return page(rows.map(toInfo), f.limit);
  }

  async revoke(actor: Actor, id: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await lockToken(tx, id);
      if (!row) throw notFound('token', id);
      assertCanWrite(actor.principal, (row.path ?? []).map(Number), 'token', id);
      if (row.revoked_at) return;
      await revokeToken(tx, id);
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
