import type { Services } from '../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import type { Db } from '../../src/kernel/db/db.js';
import { insertIdentity, insertPerson } from '../../src/modules/people/repository.js';

/**
 * A person registered at `orgId` holding `role` there, with a Telegram identity `tg-<name>` unless
 * `identity` is false (someone the bot cannot reach); their id.
 */
export async function roleHolder(
  db: Db,
  s: Services,
  o: { name: string; orgId: number; role: string; identity?: boolean },
): Promise<number> {
  const p = await insertPerson(db, { name: o.name, orgId: o.orgId });
  if (o.identity !== false)
    await insertIdentity(db, { personId: p.id, channel: 'telegram', externalId: `tg-${o.name}` });
  await s.people.grantRole(SYSTEM_ACTOR, o.orgId, { personId: p.id, role: o.role as never });
  return p.id;
}
