import { AppError } from '../../kernel/access/errors.js';
import type { Actor } from '../../kernel/access/principal.js';
import type { ChannelName } from '../../kernel/chat/port.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import { findPersonByIdentity, insertIdentity, mergePeople } from '../people/index.js';
import { normalizeCode } from './link-codes.js';

/**
 * Linking a chat account to its owner in the register, without an admin typing ids:
 * - by code: the unit's code (link-codes.ts) names the unit, whose owner is its named voter (else
 *   the co-owner with the lowest id, as the count of Art. 278 takes it);
 * - by phone (Telegram): the account's own number, shared with the contact button, equals the
 *   phone of exactly one owner of a compound the account is known in (it wrote in a group bound
 *   there, which made it a resident there).
 * The account's person (created by the dispatcher the first time it wrote in a group) is merged
 * into the owner (people/merge.ts: everything it did is kept, history included); an account with
 * no person yet just gets the owner's identity. One transaction: the code is consumed with it.
 *
 * Wrong codes are counted per chat account (`linli.link_failures`): after MAX_FAILURES in an hour
 * no code is even looked at until the oldest failure is an hour old.
 */
export const MAX_FAILURES = 5;
const FAILURE_WINDOW = '1 hour';

export interface Sender {
  channel: ChannelName;
  externalId: string;
  displayName: string;
}

export type LinkOutcome =
  | { kind: 'linked'; ownerName: string; address: string | null }
  | { kind: 'already'; ownerName: string }
  | { kind: 'unknown_code' | 'used_code' | 'revoked_code' | 'throttled' | 'no_owner' }
  | { kind: 'not_own_contact' | 'no_compound' | 'no_phone_match' | 'ambiguous_phone' }
  | { kind: 'conflict'; details: string[] };

/** Thrown inside the transaction to roll it back and answer with `outcome` (nothing written). */
class Refused extends Error {
  constructor(readonly outcome: LinkOutcome) {
    super(outcome.kind);
  }
}

/** The actor of a merge a chat account did itself (the audit log names the account). */
const chatActor = (s: Sender): Actor => ({
  principal: { kind: 'superuser', tokenId: null, label: `chat:${s.channel}:${s.externalId}` },
});

export class LinkService {
  constructor(private readonly db: Db) {}

  /** for the hourly purge */
  get database(): Db {
    return this.db;
  }

  async byCode(sender: Sender, typed: string): Promise<LinkOutcome> {
    const code = normalizeCode(typed);
    return this.run(async (tx) => {
      if ((await failuresOf(tx, sender)) >= MAX_FAILURES) return { kind: 'throttled' };
      const fail = async (outcome: LinkOutcome): Promise<LinkOutcome> => {
        await tx.query('INSERT INTO linli.link_failures (channel, external_id) VALUES ($1, $2)', [
          sender.channel,
          sender.externalId,
        ]);
        return outcome;
      };
      if (code === null) return fail({ kind: 'unknown_code' });
      const { rows } = await tx.query<{
        id: number;
        unit_id: number;
        status: 'active' | 'used' | 'revoked';
        used_by: number | null;
      }>('SELECT id, unit_id, status, used_by FROM linli.unit_link_codes WHERE code = $1 FOR UPDATE', [code]);
      const row = rows[0];
      if (!row) return fail({ kind: 'unknown_code' });
      const current = await findPersonByIdentity(tx, sender.channel, sender.externalId);
      if (row.status === 'used') {
        if (current && row.used_by !== null && Number(row.used_by) === current.id)
          return { kind: 'already', ownerName: current.name };
        return fail({ kind: 'used_code' });
      }
      if (row.status === 'revoked') return fail({ kind: 'revoked_code' });
      const owner = await voterOf(tx, row.unit_id);
      if (!owner) return { kind: 'no_owner' };
      const outcome = await linkTo(tx, sender, owner.id, owner.name, owner.compound_id, owner.address);
      await tx.query(
        `UPDATE linli.unit_link_codes SET status = 'used', used_at = now(), used_by = $2, used_channel = $3 WHERE id = $1`,
        [row.id, owner.id, sender.channel],
      );
      return outcome;
    });
  }

  /** A Telegram contact: `contactUser` is the platform user the number belongs to. */
  async byPhone(sender: Sender, phone: string, contactUser: string | undefined): Promise<LinkOutcome> {
    if (contactUser !== sender.externalId) return { kind: 'not_own_contact' };
    const wanted = normalizePhone(phone);
    return this.run(async (tx) => {
      const current = await findPersonByIdentity(tx, sender.channel, sender.externalId);
      if (!current) return { kind: 'no_compound' };
      const { rows: places } = await tx.query<{ id: number }>(
        `SELECT org_id AS id FROM linli.role_assignments WHERE person_id = $1
         UNION SELECT org_id FROM linli.people WHERE id = $1 AND org_id IS NOT NULL`,
        [current.id],
      );
      if (places.length === 0) return { kind: 'no_compound' };
      const { rows } = await tx.query<{ id: number; name: string; compound_id: number }>(
        `SELECT DISTINCT p.id, p.name, u.compound_id FROM linli.people p
           JOIN linli.unit_owners uo ON uo.person_id = p.id JOIN linli.units u ON u.id = uo.unit_id
           JOIN linli.orgs c ON c.id = u.compound_id
          WHERE p.merged_into IS NULL AND p.phone IS NOT NULL AND ${PHONE_SQL('p.phone')} = $1
            AND EXISTS (SELECT 1 FROM linli.orgs s WHERE s.id = ANY($2::bigint[])
                          AND (c.path @> ARRAY[s.id] OR s.path @> ARRAY[c.id]))
          ORDER BY p.id`,
        [wanted, places.map((p) => Number(p.id))],
      );
      const people = [...new Set(rows.map((r) => Number(r.id)))];
      if (people.length === 0) return { kind: 'no_phone_match' };
      if (people.length > 1) return { kind: 'ambiguous_phone' };
      const owner = rows[0]!;
      return linkTo(tx, sender, Number(owner.id), owner.name, Number(owner.compound_id), null);
    });
  }

  private async run(work: (tx: Queryable) => Promise<LinkOutcome>): Promise<LinkOutcome> {
    try {
      return await this.db.transaction(work);
    } catch (err) {
      if (err instanceof Refused) return err.outcome;
      throw err;
    }
  }
}

/** The sender's account becomes the owner's: their person merged in, or the identity added. */
async function linkTo(
  tx: Queryable,
  sender: Sender,
  ownerId: number,
  ownerName: string,
  compoundId: number,
  address: string | null,
): Promise<LinkOutcome> {
  const current = await findPersonByIdentity(tx, sender.channel, sender.externalId);
  if (current?.id === ownerId) return { kind: 'already', ownerName };
  if (!current) {
    await insertIdentity(tx, {
      personId: ownerId,
      channel: sender.channel,
      externalId: sender.externalId,
      displayName: sender.displayName,
    });
    return { kind: 'linked', ownerName, address };
  }
  try {
    await mergePeople(tx, chatActor(sender), ownerId, current.id, compoundId);
  } catch (err) {
    if (err instanceof AppError && err.status === 409)
      throw new Refused({ kind: 'conflict', details: err.details.map((d) => d.message) });
    throw err;
  }
  return { kind: 'linked', ownerName, address };
}

async function failuresOf(q: Queryable, s: Sender): Promise<number> {
  const { rows } = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM linli.link_failures WHERE channel = $1 AND external_id = $2
       AND at > now() - interval '${FAILURE_WINDOW}'`,
    [s.channel, s.externalId],
  );
  return Number(rows[0]!.n);
}

/** The unit's owner who votes for it: the named voter, else the co-owner with the lowest id. */
async function voterOf(q: Queryable, unitId: number) {
  const { rows } = await q.query<{ id: number; name: string; compound_id: number; address: string }>(
    `SELECT p.id, p.name, u.compound_id, b.name || u.unit_no || u.room AS address
       FROM linli.unit_owners uo JOIN linli.people p ON p.id = uo.person_id
       JOIN linli.units u ON u.id = uo.unit_id JOIN linli.orgs b ON b.id = u.building_id
      WHERE uo.unit_id = $1 ORDER BY uo.is_voter DESC, p.id LIMIT 1`,
    [unitId],
  );
  const r = rows[0];
  return r ? { ...r, id: Number(r.id), compound_id: Number(r.compound_id) } : null;
}

/** Digits only, a +86 / 0086 / 86 country code in front of a mobile number dropped. */
export function normalizePhone(phone: string): string {
  const d = phone.replace(/\D/g, '');
  return /^(0086|86)1\d{10}$/.test(d) ? d.slice(-11) : d;
}
/** The same in SQL, over a column. */
const PHONE_SQL = (col: string) =>
  `(CASE WHEN regexp_replace(${col}, '\\D', '', 'g') ~ '^(0086|86)1[0-9]{10}$'
     THEN right(regexp_replace(${col}, '\\D', '', 'g'), 11) ELSE regexp_replace(${col}, '\\D', '', 'g') END)`;

/** Whether the person owns a unit of the register (a linked owner, once their account is theirs). */
export async function isRegisteredOwner(q: Queryable, personId: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM linli.unit_owners WHERE person_id = $1 LIMIT 1', [personId]);
  return rows.length > 0;
}

/** The hourly purge: failures older than the window count for nothing. */
export async function purgeLinkFailures(q: Queryable): Promise<number> {
  const r = await q.query(`DELETE FROM linli.link_failures WHERE at < now() - interval '1 day'`);
  return r.rowCount ?? 0;
}
