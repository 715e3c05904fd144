import { z } from 'zod';
import type { DeliveryChannel } from '../../kernel/chat/port.js';
import type { Queryable } from '../../kernel/db/db.js';
import { privateAddresses, residentsGroups } from '../chats/index.js';
import { ROLES } from '../people/index.js';
import { roleHolders } from './repository.js';

/** Who a reminder goes to: an org's residents' groups, the holders of a role in its subtree, or listed people. */
export const audienceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('group'), orgId: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('role'), orgId: z.number().int().positive(), role: z.enum(ROLES) }),
  z.strictObject({
    kind: z.literal('people'),
    personIds: z.array(z.number().int().positive()).min(1).max(1000),
  }),
]);
export type Audience = z.infer<typeof audienceSchema>;

export interface Target {
  channel: DeliveryChannel;
  externalId: string;
  kind: 'group' | 'private';
  personId: number | null;
}

/** Who an audience reaches now: residents' groups, or people with a channel identity (first one). */
export async function targets(q: Queryable, a: Audience): Promise<Target[]> {
  if (a.kind === 'group') {
    return (await residentsGroups(q, a.orgId)).map((c) => ({
      channel: c.channel,
      externalId: c.external_chat_id,
      kind: 'group',
      personId: null,
    }));
  }
  if (a.kind === 'role') {
    return personTargets(q, await roleHolders(q, a.orgId, a.role));
  }
  return personTargets(q, a.personIds);
}

export async function personTargets(q: Queryable, personIds: number[]): Promise<Target[]> {
  return (await privateAddresses(q, personIds)).map((r) => ({
    channel: r.channel,
    externalId: r.external_id,
    kind: 'private',
    personId: r.person_id,
  }));
}
