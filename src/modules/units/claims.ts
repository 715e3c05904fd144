import { recordAudit } from '../../kernel/access/audit.js';
import { AppError, notFound } from '../../kernel/access/errors.js';
import { requireInScope, requireOrg } from '../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../kernel/access/pagination.js';
import type { Actor, Principal } from '../../kernel/access/principal.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import { insertRole } from '../people/index.js';
import type { ClaimNotices } from './claim-notices.js';
import {
  type ClaimRow,
  decidesClaims,
  findClaim,
  listClaims,
  setClaimDecision,
} from './repository-claims.js';

export type ClaimDecision = 'approve' | 'reject';
/** Who decides: a committee member or grid worker in chat, or a token over the API. */
export interface ClaimDecider {
  personId: number | null;
  label: string;
}

export const presentClaim = (c: ClaimRow) => ({
  id: c.id,
  compoundId: c.compound_id,
  unitId: c.unit_id,
  address: c.address,
  personId: c.person_id,
  personName: c.person_name,
  status: c.status,
  createdAt: c.created_at,
  decidedAt: c.decided_at,
  decidedBy: c.decided_by,
});

/**
 * Residents' claims on units (登记 3栋2单元501). Where the compound asks for approval a claim waits,
 * is sent to the compound's committee members and grid workers (通过 / 不通过), and is decided once:
 * in chat by one of them, or over the API by a token in scope. Approving ties the person to the unit
 * (and makes them a resident of the compound); either way the claimant is told privately.
 */
export class ClaimService {
  constructor(
    private readonly db: Db,
    readonly notices: ClaimNotices,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Decides a pending claim in the caller's transaction; what to send after COMMIT is returned.
   * 404 when there is no such claim; 409 `already_decided` (naming who decided and how) when it was.
   */
  async decide(
    tx: Queryable,
    id: number,
    decision: ClaimDecision,
    by: ClaimDecider,
  ): Promise<{ claim: ClaimRow; after: () => Promise<void> }> {
    const c = await findClaim(tx, id, true);
    if (!c) throw notFound('claim', id);
    if (c.status !== 'pending') throw alreadyDecided(c);
    const status = decision === 'approve' ? 'approved' : 'rejected';
    await setClaimDecision(tx, id, { status, at: this.now(), by: by.label, byPersonId: by.personId });
    if (status === 'approved') await insertRole(tx, c.person_id, c.compound_id, 'resident');
    const claim = (await findClaim(tx, id))!;
    const after = await this.notices.decided(tx, claim);
    return { claim, after };
  }

  async decideOverHttp(actor: Actor, id: number, decision: ClaimDecision) {
    await requireInScope(this.db, actor.principal, 'unit_claim', id, { write: true });
    const { claim, after } = await this.db.transaction(async (tx) => {
      const r = await this.decide(tx, id, decision, { personId: null, label: actor.principal.label });
      await recordAudit(tx, actor, {
        action: `unit_claim.${decision}`,
        objectType: 'unit_claim',
        objectId: id,
        orgId: r.claim.compound_id,
        before: { status: 'pending' },
        after: { status: r.claim.status },
      });
      return r;
    });
    await after();
    return presentClaim(claim);
  }

  /** A committee member or grid worker deciding in chat: refused unless they decide at the claim's compound. */
  async decideInChat(
    personId: number,
    name: string,
    id: number,
    decision: ClaimDecision,
  ): Promise<
    { ok: true; claim: ClaimRow } | { ok: false; why: 'not_allowed' | 'gone' | 'decided'; claim?: ClaimRow }
  > {
    const c = await findClaim(this.db, id);
    if (!c) return { ok: false, why: 'gone' };
    if (!(await decidesClaims(this.db, personId, c.compound_id))) return { ok: false, why: 'not_allowed' };
    try {
      const { claim, after } = await this.db.transaction((tx) =>
        this.decide(tx, id, decision, { personId, label: name }),
      );
      await after();
      return { ok: true, claim };
    } catch (e) {
      if (e instanceof AppError && e.status === 409)
        return { ok: false, why: 'decided', claim: await findClaim(this.db, id) };
      throw e;
    }
  }

  async list(p: Principal, compoundId: number, f: { status?: string; limit?: number; cursor?: string }) {
    await requireOrg(this.db, p, compoundId);
    const limit = f.limit ?? 50;
    const rows = await listClaims(this.db, {
      compoundId,
      status: f.status ?? null,
      after: decodeCursor(f.cursor),
      take: limit + 1,
    });
    return page(rows.map(presentClaim), limit);
  }
}

function alreadyDecided(c: ClaimRow): AppError {
  return new AppError(
    409,
    'already_decided',
    `This claim was already ${c.status}${c.decided_by ? ` by ${c.decided_by}` : ''}`,
    [
      { field: 'status', message: c.status },
      ...(c.decided_by ? [{ field: 'decidedBy', message: c.decided_by }] : []),
    ],
  );
}
