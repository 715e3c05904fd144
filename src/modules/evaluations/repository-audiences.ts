import type { ChannelName } from '../../kernel/chat/port.js';
import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of who hears of a campaign (the notifier's audiences; the rest of the module's SQL is in
 * `repository.ts`). Each function runs on the `Queryable` it is given.
 */

/** The campaign's compounds, by id. */
export async function campaignCompoundIds(q: Queryable, campaignId: number): Promise<number[]> {
  const { rows } = await q.query<{ compound_id: number }>(
    'SELECT compound_id FROM linli.evaluation_targets WHERE campaign_id = $1 ORDER BY compound_id',
    [campaignId],
  );
  return rows.map((r) => r.compound_id);
}

/** The names of the companies serving the campaign's compounds, in name order. */
export async function campaignCompanyNames(q: Queryable, campaignId: number): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT DISTINCT pc.name FROM linli.evaluation_targets t JOIN linli.property_companies pc ON pc.id = t.company_id
     WHERE t.campaign_id = $1 ORDER BY pc.name`,
    [campaignId],
  );
  return rows.map((r) => r.name);
}

/**
 * Every owner and approved resident of a unit in the compounds who has a Telegram identity (their
 * first), once each, with the compound (`org_id`) and their locale.
 */
export async function telegramResidentsOf(
  q: Queryable,
  compoundIds: number[],
): Promise<{ person_id: number; external_id: string; org_id: number; locale: string }[]> {
  const { rows } = await q.query<{
    person_id: number;
    external_id: string;
    org_id: number;
    locale: string;
  }>(
    `SELECT DISTINCT ON (x.person_id) x.person_id, i.external_id, x.compound_id AS org_id,
            (SELECT locale FROM linli.people WHERE id = x.person_id) AS locale
     FROM (SELECT uo.person_id, u.compound_id FROM linli.unit_owners uo JOIN linli.units u ON u.id = uo.unit_id
           UNION SELECT ur.person_id, u.compound_id FROM linli.unit_residents ur JOIN linli.units u ON u.id = ur.unit_id
           WHERE ur.status = 'approved') x
     JOIN linli.identities i ON i.person_id = x.person_id AND i.channel = 'telegram'
     WHERE x.compound_id = ANY($1::bigint[]) ORDER BY x.person_id, i.id`,
    [compoundIds],
  );
  return rows;
}

/**
 * The owners' committee members (role `committee_member`) at the campaign's compounds, once per
 * person and compound, through their first identity.
 */
export async function committeeMembersOf(
  q: Queryable,
  campaignId: number,
): Promise<
  { person_id: number; org_id: number; channel: ChannelName; external_id: string; locale: string }[]
> {
  const { rows } = await q.query<{
    person_id: number;
    org_id: number;
    channel: ChannelName;
    external_id: string;
    locale: string;
  }>(
    `SELECT DISTINCT ON (ra.person_id, ra.org_id) ra.person_id, ra.org_id, i.channel, i.external_id, pe.locale
     FROM linli.role_assignments ra JOIN linli.identities i ON i.person_id = ra.person_id
     JOIN linli.people pe ON pe.id = ra.person_id
     WHERE ra.role = 'committee_member' AND ra.org_id IN
       (SELECT compound_id FROM linli.evaluation_targets WHERE campaign_id = $1)
     ORDER BY ra.person_id, ra.org_id, i.id`,
    [campaignId],
  );
  return rows;
}
