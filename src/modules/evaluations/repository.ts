import { notFound } from '../../kernel/access/errors.js';
import type { Queryable } from '../../kernel/db/db.js';
import { CHINA_TIME_ZONE, civilDate } from '../../kernel/time/zone.js';
import type { Criterion } from './criteria.js';
import type { CampaignRow, CampaignSettings } from './schema.js';

/**
 * The SQL of the evaluations module: campaigns, their targets and responses. Each function runs on
 * the `Queryable` it is given (the pool, or the caller's transaction). Property companies and
 * contracts are in `repository-companies.ts`, the notifier's audiences in `repository-audiences.ts`.
 */

/** The units a person may answer for: owned, or lived in with an approved registration. */
const RESIDENT_UNITS = `SELECT unit_id FROM linli.unit_owners WHERE person_id = $1
  UNION SELECT unit_id FROM linli.unit_residents WHERE person_id = $1 AND status = 'approved'`;

// -------------------------------------------------------------------------------------------------
// campaigns

export async function findCampaign(q: Queryable, id: number): Promise<CampaignRow | null> {
  const { rows } = await q.query<CampaignRow>('SELECT * FROM linli.evaluation_campaigns WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export async function lockCampaign(tx: Queryable, id: number): Promise<CampaignRow> {
  const { rows } = await tx.query<CampaignRow>(
    'SELECT * FROM linli.evaluation_campaigns WHERE id = $1 FOR UPDATE',
    [id],
  );
  if (!rows[0]) throw notFound('evaluation', id);
  return rows[0];
}

/** The campaign row held FOR SHARE (a closing, FOR UPDATE, waits for the caller's transaction). */
export async function shareCampaign(tx: Queryable, id: number): Promise<CampaignRow | undefined> {
  const { rows } = await tx.query<CampaignRow>(
    'SELECT * FROM linli.evaluation_campaigns WHERE id = $1 FOR SHARE',
    [id],
  );
  return rows[0];
}

export async function insertCampaign(
  tx: Queryable,
  c: {
    orgId: number;
    companyId: number | null;
    title: string;
    criteria: Criterion[];
    settings: CampaignSettings;
    opensAt: Date;
    closesAt: Date;
  },
): Promise<CampaignRow> {
  const { rows } = await tx.query<CampaignRow>(
    `INSERT INTO linli.evaluation_campaigns (org_id, company_id, title, criteria, settings, opens_at, closes_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [
      c.orgId,
      c.companyId,
      c.title,
      JSON.stringify(c.criteria),
      JSON.stringify(c.settings),
      c.opensAt,
      c.closesAt,
    ],
  );
  return rows[0]!;
}

export async function insertTarget(
  tx: Queryable,
  campaignId: number,
  t: { compoundId: number; companyId: number | null },
): Promise<void> {
  await tx.query(
    'INSERT INTO linli.evaluation_targets (campaign_id, compound_id, company_id) VALUES ($1, $2, $3)',
    [campaignId, t.compoundId, t.companyId],
  );
}

/** Campaigns inside `scope` (null: all), newest first, keyset-paged by id (`limit` rows). */
export async function listCampaigns(
  q: Queryable,
  f: { scope: number | null; status: CampaignRow['status'] | null; before: number | null; limit: number },
): Promise<CampaignRow[]> {
  const { rows } = await q.query<CampaignRow>(
    `SELECT c.* FROM linli.evaluation_campaigns c JOIN linli.orgs o ON o.id = c.org_id
     WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR c.status = $2)
       AND ($3::bigint IS NULL OR c.id < $3)
     ORDER BY c.id DESC LIMIT $4`,
    [f.scope, f.status, f.before, f.limit],
  );
  return rows;
}

/** Every campaign the reconciler may have to act on: scheduled, open, or closed and not reported. */
export async function campaignsToReconcile(q: Queryable): Promise<CampaignRow[]> {
  const { rows } = await q.query<CampaignRow>(
    `SELECT * FROM linli.evaluation_campaigns
     WHERE status IN ('scheduled', 'open') OR (status = 'closed' AND reported_at IS NULL)
     ORDER BY id`,
  );
  return rows;
}

export async function markCancelled(tx: Queryable, id: number, at: Date): Promise<CampaignRow> {
  const { rows } = await tx.query<CampaignRow>(
    `UPDATE linli.evaluation_campaigns SET status = 'cancelled', closed_at = $2 WHERE id = $1 RETURNING *`,
    [id, at],
  );
  return rows[0]!;
}

/** Moves the closing time to `at` (kept after the opening time), for a close now. */
export async function moveClosingTo(tx: Queryable, id: number, at: Date): Promise<void> {
  await tx.query(
    "UPDATE linli.evaluation_campaigns SET closes_at = greatest($2, opens_at + interval '1 millisecond') WHERE id = $1",
    [id, at],
  );
}

export async function markOpened(tx: Queryable, id: number, at: Date): Promise<void> {
  await tx.query(`UPDATE linli.evaluation_campaigns SET status = 'open', opened_at = $2 WHERE id = $1`, [
    id,
    at,
  ]);
}

export async function markClosed(tx: Queryable, id: number, at: Date): Promise<void> {
  await tx.query(`UPDATE linli.evaluation_campaigns SET status = 'closed', closed_at = $2 WHERE id = $1`, [
    id,
    at,
  ]);
}

export async function markAnnounced(q: Queryable, id: number, at: Date): Promise<void> {
  await q.query('UPDATE linli.evaluation_campaigns SET announced_at = $2 WHERE id = $1', [id, at]);
}

export async function markReported(q: Queryable, id: number, at: Date): Promise<void> {
  await q.query('UPDATE linli.evaluation_campaigns SET reported_at = $2 WHERE id = $1', [id, at]);
}

// -------------------------------------------------------------------------------------------------
// compounds and their companies

/** The company under contract at a compound on the day (China time) of `at`. */
export async function companyAt(q: Queryable, compoundId: number, at: Date): Promise<number | null> {
  const { rows } = await q.query<{ company_id: number }>(
    `SELECT company_id FROM linli.property_contracts
     WHERE compound_id = $1 AND starts_on <= $2::date AND (ends_on IS NULL OR ends_on >= $2::date)
     ORDER BY starts_on DESC LIMIT 1`,
    [compoundId, civilDate(at, CHINA_TIME_ZONE)],
  );
  return rows[0]?.company_id ?? null;
}

/**
 * The compounds inside org `scopeId` under contract on the day (China time) of `at` (with
 * `companyId`, or with any company), each with the company whose contract started last.
 */
export async function contractedCompounds(
  q: Queryable,
  scopeId: number,
  companyId: number | null,
  at: Date,
): Promise<{ compound_id: number; company_id: number }[]> {
  const { rows } = await q.query<{ compound_id: number; company_id: number }>(
    `SELECT DISTINCT ON (k.compound_id) k.compound_id, k.company_id
     FROM linli.property_contracts k JOIN linli.orgs o ON o.id = k.compound_id
     WHERE o.path @> ARRAY[$1::bigint] AND ($2::bigint IS NULL OR k.company_id = $2)
       AND k.starts_on <= $3::date AND (k.ends_on IS NULL OR k.ends_on >= $3::date)
     ORDER BY k.compound_id, k.starts_on DESC`,
    [scopeId, companyId, civilDate(at, CHINA_TIME_ZONE)],
  );
  return rows;
}

// -------------------------------------------------------------------------------------------------
// targets and responses, for presenting and computing results

export interface TargetResponsesRow {
  compound_id: number;
  compound_name: string;
  company_id: number | null;
  company_name: string | null;
  responses: number;
}

/** The campaign's compounds with their company and their count of responses. */
export async function targetsWithResponses(q: Queryable, campaignId: number): Promise<TargetResponsesRow[]> {
  const { rows } = await q.query<TargetResponsesRow>(
    `SELECT t.compound_id, o.name AS compound_name, t.company_id, pc.name AS company_name,
            (SELECT count(*) FROM linli.evaluation_responses r WHERE r.campaign_id = t.campaign_id
               AND r.compound_id = t.compound_id) AS responses
     FROM linli.evaluation_targets t JOIN linli.orgs o ON o.id = t.compound_id
     LEFT JOIN linli.property_companies pc ON pc.id = t.company_id
     WHERE t.campaign_id = $1 ORDER BY t.compound_id`,
    [campaignId],
  );
  return rows;
}

export interface TargetUnitsRow {
  compound_id: number;
  compound_name: string;
  company_id: number | null;
  company_name: string | null;
  units: number;
}

/** The campaign's compounds with their company and their count of units. */
export async function targetsWithUnits(q: Queryable, campaignId: number): Promise<TargetUnitsRow[]> {
  const { rows } = await q.query<TargetUnitsRow>(
    `SELECT t.compound_id, o.name AS compound_name, t.company_id, pc.name AS company_name,
            (SELECT count(*) FROM linli.units u WHERE u.compound_id = t.compound_id) AS units
     FROM linli.evaluation_targets t JOIN linli.orgs o ON o.id = t.compound_id
     LEFT JOIN linli.property_companies pc ON pc.id = t.company_id
     WHERE t.campaign_id = $1 ORDER BY t.compound_id`,
    [campaignId],
  );
  return rows;
}

export async function responseScores(
  q: Queryable,
  campaignId: number,
): Promise<{ compound_id: number; scores: Record<string, number> }[]> {
  const { rows } = await q.query<{ compound_id: number; scores: Record<string, number> }>(
    'SELECT compound_id, scores FROM linli.evaluation_responses WHERE campaign_id = $1',
    [campaignId],
  );
  return rows;
}

// -------------------------------------------------------------------------------------------------
// responses

/** A unit's compound, its building's path, and whether its compound is in the campaign. */
export async function unitForCampaign(
  q: Queryable,
  unitId: number,
  campaignId: number,
): Promise<{ compound_id: number; path: (string | number)[]; in_campaign: boolean } | undefined> {
  const { rows } = await q.query<{
    compound_id: number;
    path: (string | number)[];
    in_campaign: boolean;
  }>(
    `SELECT u.compound_id, b.path, EXISTS (SELECT 1 FROM linli.evaluation_targets t
       WHERE t.campaign_id = $2 AND t.compound_id = u.compound_id) AS in_campaign
     FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id WHERE u.id = $1`,
    [unitId, campaignId],
  );
  return rows[0];
}

/** The compound of the unit, if it is a compound of the campaign. */
export async function targetCompoundOf(
  tx: Queryable,
  campaignId: number,
  unitId: number,
): Promise<number | null> {
  const { rows } = await tx.query<{ compound_id: number }>(
    `SELECT t.compound_id FROM linli.evaluation_targets t JOIN linli.units u ON u.compound_id = t.compound_id
     WHERE t.campaign_id = $1 AND u.id = $2`,
    [campaignId, unitId],
  );
  return rows[0]?.compound_id ?? null;
}

/** Inserts the unit's response; null when the unit has answered already (the first one counts). */
export async function insertResponse(
  tx: Queryable,
  r: {
    campaignId: number;
    compoundId: number;
    unitId: number;
    personId: number | null;
    scores: Record<string, number>;
    comment: string | null;
    channel: string;
  },
): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO linli.evaluation_responses (campaign_id, compound_id, unit_id, person_id, scores, comment, channel)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT ON CONSTRAINT evaluation_responses_one_per_unit DO NOTHING RETURNING id`,
    [r.campaignId, r.compoundId, r.unitId, r.personId, JSON.stringify(r.scores), r.comment, r.channel],
  );
  return rows[0]?.id ?? null;
}

// -------------------------------------------------------------------------------------------------
// residents

/** The open campaign of the person's compounds opened last. */
export async function openCampaignOfResident(
  q: Queryable,
  personId: number,
): Promise<CampaignRow | undefined> {
  const { rows } = await q.query<CampaignRow>(
    `SELECT c.* FROM linli.evaluation_campaigns c
     WHERE c.status = 'open' AND EXISTS (
       SELECT 1 FROM linli.evaluation_targets t JOIN linli.units u ON u.compound_id = t.compound_id
       WHERE t.campaign_id = c.id AND u.id IN (${RESIDENT_UNITS}))
     ORDER BY c.opened_at DESC, c.id DESC LIMIT 1`,
    [personId],
  );
  return rows[0];
}

/** Whether an open campaign runs at a compound on the path of the org (where a chat is). */
export async function openCampaignAt(q: Queryable, orgId: number): Promise<boolean> {
  const { rows } = await q.query<{ id: number }>(
    `SELECT c.id FROM linli.evaluation_campaigns c JOIN linli.evaluation_targets t ON t.campaign_id = c.id
     JOIN linli.orgs o ON o.id = $1
     WHERE c.status = 'open' AND t.compound_id = ANY(o.path) LIMIT 1`,
    [orgId],
  );
  return rows[0] !== undefined;
}

/** The person's units inside the campaign, those that have not answered first, then by id. */
export async function residentUnitsIn(
  q: Queryable,
  personId: number,
  campaignId: number,
): Promise<{ id: number; label: string; compound: string; answered: boolean }[]> {
  const { rows } = await q.query<{ id: number; label: string; compound: string; answered: boolean }>(
    `SELECT u.id, u.building_label AS label, u.compound, u.answered FROM (
       SELECT u.id, b.name || u.unit_no || u.room AS building_label, o.name AS compound,
              EXISTS (SELECT 1 FROM linli.evaluation_responses r WHERE r.campaign_id = $2 AND r.unit_id = u.id) AS answered
       FROM linli.units u JOIN linli.orgs b ON b.id = u.building_id JOIN linli.orgs o ON o.id = u.compound_id
       JOIN linli.evaluation_targets t ON t.compound_id = u.compound_id AND t.campaign_id = $2
       WHERE u.id IN (${RESIDENT_UNITS})) u
     ORDER BY u.answered, u.id`,
    [personId, campaignId],
  );
  return rows;
}

/** Whether the person has any unit to answer for (anywhere). */
export async function hasResidentUnit(q: Queryable, personId: number): Promise<boolean> {
  const { rows } = await q.query(`${RESIDENT_UNITS} LIMIT 1`, [personId]);
  return rows[0] !== undefined;
}
