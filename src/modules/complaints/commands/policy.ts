import { recordAudit } from '../../../kernel/access/audit.js';
import { notFound } from '../../../kernel/access/errors.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  type Principal,
} from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import type { EscalationPolicy } from '../escalation-policy.js';

/** An org's escalation policy over HTTP (PUT replaces it whole; audited). */
export class PolicyService {
  constructor(private readonly db: Db) {}

  async get(p: Principal, orgId: number): Promise<EscalationPolicy & { orgId: number; updatedAt: Date }> {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    const { rows } = await this.db.query<{ policy: EscalationPolicy; updated_at: Date }>(
      'SELECT policy, updated_at FROM linli.escalation_policies WHERE org_id = $1',
      [orgId],
    );
    if (!rows[0]) throw notFound('escalation policy of org', orgId);
    return { ...rows[0].policy, orgId, updatedAt: rows[0].updated_at };
  }

  async put(actor: Actor, orgId: number, policy: EscalationPolicy) {
    return this.db.transaction(async (tx) => {
      const org = await findOrg(tx, orgId);
      if (!org) throw notFound('org', orgId);
      assertCanWrite(actor.principal, org.path, 'org', orgId);
      const before = await tx.query<{ policy: EscalationPolicy }>(
        'SELECT policy FROM linli.escalation_policies WHERE org_id = $1',
        [orgId],
      );
      const { rows } = await tx.query<{ updated_at: Date }>(
        `INSERT INTO linli.escalation_policies (org_id, policy) VALUES ($1, $2)
         ON CONFLICT (org_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now() RETURNING updated_at`,
        [orgId, JSON.stringify(policy)],
      );
      await recordAudit(tx, actor, {
        action: 'escalation_policy.put',
        objectType: 'escalation_policy',
        objectId: orgId,
        orgId,
        before: before.rows[0]?.policy,
        after: policy,
      });
      return { ...policy, orgId, updatedAt: rows[0]!.updated_at };
    });
  }
}
