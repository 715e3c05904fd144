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
import { type Category, categoriesFor } from '../categories.js';
import type { EscalationPolicy } from '../escalation-policy.js';
import { findEscalationPolicy, ownEscalationPolicy, upsertEscalationPolicy } from '../repository-settings.js';

/**
 * An org's escalation policy over HTTP (PUT replaces it whole; audited), and the complaint
 * categories in force there.
 */
export class PolicyService {
  constructor(private readonly db: Db) {}

  /** The org's own category list, else its nearest ancestor's, else the built-in one. */
  async categories(p: Principal, orgId: number): Promise<{ orgId: number; items: Category[] }> {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    return { orgId, items: await categoriesFor(this.db, orgId) };
  }

  async get(p: Principal, orgId: number): Promise<EscalationPolicy & { orgId: number; updatedAt: Date }> {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    const own = await findEscalationPolicy(this.db, orgId);
    if (!own) throw notFound('escalation policy of org', orgId);
    return { ...own.policy, orgId, updatedAt: own.updated_at };
  }

  async put(actor: Actor, orgId: number, policy: EscalationPolicy) {
    return this.db.transaction(async (tx) => {
      const org = await findOrg(tx, orgId);
      if (!org) throw notFound('org', orgId);
      assertCanWrite(actor.principal, org.path, 'org', orgId);
      const before = await ownEscalationPolicy(tx, orgId);
      const updatedAt = await upsertEscalationPolicy(tx, orgId, policy);
      await recordAudit(tx, actor, {
        action: 'escalation_policy.put',
        objectType: 'escalation_policy',
        objectId: orgId,
        orgId,
        before,
        after: policy,
      });
      return { ...policy, orgId, updatedAt };
    });
  }
}
