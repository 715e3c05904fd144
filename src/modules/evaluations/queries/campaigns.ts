import { notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { decodeCursor, page } from '../../../kernel/access/pagination.js';
import {
  assertCanSee,
  assertCanWrite,
  type Principal,
  scopeOrgId,
} from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import { findCampaign, listCampaigns, targetsWithResponses } from '../repository.js';
import type { CampaignRow } from '../schema.js';

/** Campaigns as the API shows them: listed, one by one, and the access checks on one. */

export async function listCampaignViews(
  db: Db,
  p: Principal,
  f: { orgId?: number; status?: CampaignRow['status']; limit?: number; cursor?: string },
) {
  if (f.orgId !== undefined) await requireOrg(db, p, f.orgId, { field: 'orgId' });
  const scope = f.orgId ?? scopeOrgId(p);
  const limit = f.limit ?? 50;
  const rows = await listCampaigns(db, {
    scope,
    status: f.status ?? null,
    before: decodeCursor(f.cursor),
    limit: limit + 1,
  });
  const items = [];
  for (const r of rows) items.push(await presentCampaign(db, r));
  return page(items, limit);
}

export async function getCampaignView(db: Db, p: Principal, id: number) {
  return presentCampaign(db, await visibleCampaign(db, p, id));
}

/** The campaign, if the principal sees its org; else 404/403. */
export async function visibleCampaign(db: Db, p: Principal, id: number): Promise<CampaignRow> {
  const c = await findCampaign(db, id);
  if (!c) throw notFound('evaluation', id);
  const org = await findOrg(db, c.org_id);
  assertCanSee(p, org!.path, 'evaluation', id);
  return c;
}

/** The campaign, if the principal may write at its org; else 404/403. */
export async function writableCampaign(db: Db, p: Principal, id: number): Promise<CampaignRow> {
  const c = await visibleCampaign(db, p, id);
  const org = await findOrg(db, c.org_id);
  assertCanWrite(p, org!.path, 'evaluation', id);
  return c;
}

export async function presentCampaign(q: Queryable, c: CampaignRow) {
  const rows = await targetsWithResponses(q, c.id);
  return {
    id: c.id,
    orgId: c.org_id,
    companyId: c.company_id,
    title: c.title,
    status: c.status,
    criteria: c.criteria,
    weights: c.settings.weights,
    listSize: c.settings.listSize,
    complaintsFrom: c.settings.complaintsFrom,
    complaintsTo: c.settings.complaintsTo,
    opensAt: c.opens_at,
    closesAt: c.closes_at,
    openedAt: c.opened_at,
    closedAt: c.closed_at,
    createdAt: c.created_at,
    targets: rows.map((r) => ({
      compoundId: r.compound_id,
      compoundName: r.compound_name,
      companyId: r.company_id,
      companyName: r.company_name,
      responses: Number(r.responses),
    })),
  };
}
