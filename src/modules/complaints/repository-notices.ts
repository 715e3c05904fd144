import type { Locale } from '../../flows/flow-schema.js';
import type { ChannelName } from '../../kernel/chat/port.js';
import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of who hears of a complaint (the notifier): its latest timeline event, the reporter's
 * identities, the handlers of an org, the level it came from. Each function runs on the
 * `Queryable` it is given.
 */

/** What a notice reads of the event it is about. */
export interface NoticeEvent {
  type: string;
  note: string | null;
  actor_person_id: number | null;
  /** who it was as the timeline names them (a token's label over the API) */
  actor_label: string | null;
  /** on a move of who has it: who had it before */
  prior_assignee_id: number | null;
}

/** The latest event of a complaint's timeline, if it has one. */
export async function latestEvent(q: Queryable, complaintId: number): Promise<NoticeEvent | undefined> {
  const { rows: events } = await q.query<NoticeEvent>(
    // an 'unreachable' record is no change of the complaint: it is never what a notice is about
    `SELECT type, note, actor_person_id, actor_label, prior_assignee_id FROM linli.complaint_events
      WHERE complaint_id = $1 AND type <> 'unreachable' ORDER BY id DESC LIMIT 1`,
    [complaintId],
  );
  const e = events[0];
  if (!e) return undefined;
  const id = (v: number | null) => (v === null ? null : Number(v));
  return { ...e, actor_person_id: id(e.actor_person_id), prior_assignee_id: id(e.prior_assignee_id) };
}

export interface IdentityAddress {
  channel: ChannelName;
  external_id: string;
  display_name: string | null;
  /** the person's locale (each identity of a person carries the same) */
  locale: Locale;
}

/** A person's channel identities, oldest first. */
export async function identitiesOf(q: Queryable, personId: number): Promise<IdentityAddress[]> {
  const { rows } = await q.query<IdentityAddress>(
    `SELECT i.channel, i.external_id, i.display_name, p.locale
     FROM linli.identities i JOIN linli.people p ON p.id = i.person_id WHERE i.person_id = $1 ORDER BY i.id`,
    [personId],
  );
  return rows;
}

export interface HandlerAddress {
  person_id: number;
  channel: ChannelName;
  external_id: string;
  locale: Locale;
  /** how a group @-mention names them: the platform's display name, else the register's */
  display_name: string;
}

/** Who holds one of `roles` at the org and has an identity: each person once, with their first identity and locale. */
export async function roleHolderAddresses(
  q: Queryable,
  orgId: number,
  roles: readonly string[],
): Promise<HandlerAddress[]> {
  return (
    await q.query<HandlerAddress>(
      `SELECT DISTINCT ON (ra.person_id) ra.person_id, i.channel, i.external_id, p.locale,
              COALESCE(NULLIF(i.display_name, ''), p.name) AS display_name
           FROM linli.role_assignments ra JOIN linli.identities i ON i.person_id = ra.person_id
           JOIN linli.people p ON p.id = ra.person_id
           WHERE ra.org_id = $1 AND ra.role = ANY($2::text[]) ORDER BY ra.person_id, i.id`,
      [orgId, roles],
    )
  ).rows;
}

/**
 * The holders of `first` or of `roles` at an org in one statement, as `roleHolderAddresses`
 * addresses them: those holding `first` when anyone reachable does, else those holding `roles`
 * (was two statements: `first`'s holders, then, when there were none, the others).
 */
export async function preferredRoleHolderAddresses(
  q: Queryable,
  orgId: number,
  first: string,
  roles: readonly string[],
): Promise<HandlerAddress[]> {
  const { rows } = await q.query<HandlerAddress & { first: boolean; other: boolean }>(
    `SELECT DISTINCT ON (ra.person_id) ra.person_id, i.channel, i.external_id, p.locale,
            COALESCE(NULLIF(i.display_name, ''), p.name) AS display_name,
            bool_or(ra.role = $2) OVER (PARTITION BY ra.person_id) AS first,
            bool_or(ra.role = ANY($3::text[])) OVER (PARTITION BY ra.person_id) AS other
       FROM linli.role_assignments ra JOIN linli.identities i ON i.person_id = ra.person_id
       JOIN linli.people p ON p.id = ra.person_id
      WHERE ra.org_id = $1 AND (ra.role = $2 OR ra.role = ANY($3::text[]))
      ORDER BY ra.person_id, i.id`,
    [orgId, first, roles],
  );
  const firsts = rows.filter((r) => r.first);
  return (firsts.length > 0 ? firsts : rows.filter((r) => r.other)).map(
    ({ first: _f, other: _o, ...address }) => address,
  );
}

/** A person as a notice reaches them (their first identity, named as a mention names them), or null without one. */
export async function personAddressOf(q: Queryable, personId: number): Promise<HandlerAddress | null> {
  const { rows } = await q.query<HandlerAddress>(
    `SELECT p.id AS person_id, i.channel, i.external_id, p.locale,
            COALESCE(NULLIF(i.display_name, ''), p.name) AS display_name
       FROM linli.people p JOIN linli.identities i ON i.person_id = p.id
      WHERE p.id = $1 ORDER BY i.id LIMIT 1`,
    [personId],
  );
  return rows[0] ? { ...rows[0], person_id: Number(rows[0].person_id) } : null;
}

/** A person's register name, or null. */
export async function personName(q: Queryable, personId: number): Promise<string | null> {
  const { rows } = await q.query<{ name: string }>('SELECT name FROM linli.people WHERE id = $1', [personId]);
  return rows[0]?.name ?? null;
}

/**
 * Who hears of a complaint at an org where nobody holds a handler role, in one statement: the
 * roles that serve the orgs below are the nearest `settings.nearestHolderRoles` on the org's chain
 * (else `defaultServing`); of those, the holders of `first` at the nearest org above where anyone
 * holds it, else the holders of any of `roles` at the nearest org above where anyone does
 * (was up to three statements: the setting, then `first`'s holders, then the others'). Each is
 * addressed as `roleHolderAddresses` addresses them; [] when nobody reachable holds one.
 */
export async function servingHolderAddresses(
  q: Queryable,
  orgId: number,
  first: string | null,
  roles: readonly string[],
  defaultServing: readonly string[],
): Promise<HandlerAddress[]> {
  return (
    await q.query<HandlerAddress>(
      `WITH o AS (SELECT path FROM linli.orgs WHERE id = $1),
       serving AS (
         SELECT COALESCE(
           (SELECT ARRAY(SELECT jsonb_array_elements_text(a.settings -> 'nearestHolderRoles'))
              FROM o JOIN linli.orgs a ON a.id = ANY(o.path)
             WHERE a.settings ? 'nearestHolderRoles'
             ORDER BY array_position(o.path, a.id) DESC LIMIT 1),
           $4::text[]) AS roles
       ), held AS (
         SELECT ra.person_id, ra.role = $3 AS first, array_position(o.path, ra.org_id) AS depth
           FROM o JOIN linli.role_assignments ra ON ra.org_id = ANY(o.path) AND ra.org_id <> $1
          WHERE (ra.role = $3 OR ra.role = ANY($2::text[])) AND ra.role = ANY((SELECT roles FROM serving)::text[])
            AND EXISTS (SELECT 1 FROM linli.identities i WHERE i.person_id = ra.person_id)
       ), chosen AS (
         SELECT * FROM held WHERE first OR NOT EXISTS (SELECT 1 FROM held WHERE first)
       )
       SELECT DISTINCT ON (h.person_id) h.person_id, i.channel, i.external_id, p.locale,
              COALESCE(NULLIF(i.display_name, ''), p.name) AS display_name
         FROM chosen h JOIN linli.identities i ON i.person_id = h.person_id
         JOIN linli.people p ON p.id = h.person_id
        WHERE h.depth = (SELECT max(depth) FROM chosen)
        ORDER BY h.person_id, i.id`,
      [orgId, roles, first, defaultServing],
    )
  ).rows;
}

/** The level org of the complaint's latest event at another org than `levelOrgId`, or null. */
export async function previousLevelOrg(
  q: Queryable,
  complaintId: number,
  levelOrgId: number,
): Promise<number | null> {
  const { rows } = await q.query<{ level_org_id: number | null }>(
    `SELECT level_org_id FROM linli.complaint_events WHERE complaint_id = $1 AND level_org_id <> $2
       AND type <> 'unreachable' ORDER BY id DESC LIMIT 1`,
    [complaintId, levelOrgId],
  );
  return rows[0]?.level_org_id ?? null;
}

/**
 * The photos handlers added to a complaint (its timeline's notes and moves, never the reporter's
 * filing) since it was last filed, appealed or reopened, oldest first.
 */
export async function handlerPhotos(q: Queryable, complaintId: number): Promise<string[]> {
  const { rows } = await q.query<{ photos: string[] }>(
    `SELECT e.photos FROM linli.complaint_events e
      WHERE e.complaint_id = $1 AND jsonb_array_length(e.photos) > 0
        AND e.type NOT IN ('submitted', 'appeal', 'reopen', 'reopened_escalated')
        AND e.id > COALESCE((SELECT max(id) FROM linli.complaint_events
                              WHERE complaint_id = $1 AND type IN ('submitted', 'appeal', 'reopen', 'reopened_escalated')), 0)
      ORDER BY e.id`,
    [complaintId],
  );
  return rows.flatMap((r) => r.photos);
}

/**
 * The latest handler notice of a complaint each person received privately on Telegram (sent, with
 * the platform's message id): the message a later move may edit in place. Photos carry no subject
 * and are never among them.
 */
export async function sentHandlerNotices(
  q: Queryable,
  complaintId: number,
): Promise<Map<number, { chat_external_id: string; external_message_id: string }>> {
  const { rows } = await q.query<{
    person_id: number;
    chat_external_id: string;
    external_message_id: string;
  }>(
    `SELECT DISTINCT ON (person_id) person_id, chat_external_id, external_message_id
       FROM linli.deliveries
      WHERE subject = $1 AND status = 'sent' AND channel = 'telegram' AND chat_kind = 'private'
        AND external_message_id IS NOT NULL AND person_id IS NOT NULL
      ORDER BY person_id, id DESC`,
    [`complaint:${complaintId}:handler`],
  );
  return new Map(rows.map((r) => [Number(r.person_id), r]));
}
