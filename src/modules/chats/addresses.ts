import type { Locale } from '../../flows/flow-schema.js';
import type { ChannelName } from '../../kernel/chat/port.js';
import type { Queryable } from '../../kernel/db/db.js';

/**
 * Where Linli writes to people and orgs, for every module that sends: an org's residents' groups
 * (oldest binding first), and a person's private address — their first channel identity (on
 * WeChat the bot can write privately only to its friends: callers decide when a group @-mention
 * is the better way). People without an identity are simply absent.
 */
export interface ResidentsGroup {
  org_id: number;
  channel: ChannelName;
  external_chat_id: string;
}

export async function residentsGroups(q: Queryable, orgIds: number | number[]): Promise<ResidentsGroup[]> {
  const { rows } = await q.query<ResidentsGroup>(
    `SELECT org_id, channel, external_chat_id FROM linli.chats
     WHERE org_id = ANY($1::bigint[]) AND purpose = 'residents' ORDER BY id`,
    [Array.isArray(orgIds) ? orgIds : [orgIds]],
  );
  return rows;
}

export interface PrivateAddress {
  person_id: number;
  channel: ChannelName;
  external_id: string;
  display_name: string | null;
  locale: Locale;
}

export async function privateAddresses(q: Queryable, personIds: number[]): Promise<PrivateAddress[]> {
  const { rows } = await q.query<PrivateAddress>(
    `SELECT DISTINCT ON (i.person_id) i.person_id, i.channel, i.external_id, i.display_name, pe.locale
     FROM linli.identities i JOIN linli.people pe ON pe.id = i.person_id
     WHERE i.person_id = ANY($1::bigint[]) ORDER BY i.person_id, i.id`,
    [personIds],
  );
  return rows;
}

export async function privateAddress(q: Queryable, personId: number): Promise<PrivateAddress | null> {
  return (await privateAddresses(q, [personId]))[0] ?? null;
}
