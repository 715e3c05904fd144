import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, notFound } from '../../../kernel/access/errors.js';
import { requirePerson } from '../../../kernel/access/in-scope.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  type Principal,
} from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import type { DutyRoster } from '../duty-roster.js';
import { HANDLER_ROLES } from '../lifecycle.js';
import { ownRoster, roleHoldersAt, upsertRoster } from '../repository-roster.js';

/**
 * An org's duty roster over HTTP (PUT replaces it whole; audited). Everyone it names must be in
 * the token's subtree (404 naming the field otherwise) and hold a handler role at the org itself
 * (400 naming the field): a turn can only go to someone who may act on the complaint.
 */
export class RosterService {
  constructor(private readonly db: Db) {}

  async get(p: Principal, orgId: number) {
    const org = await findOrg(this.db, orgId);
    if (!org) throw notFound('org', orgId);
    assertCanSee(p, org.path, 'org', orgId);
    const own = await ownRoster(this.db, orgId);
    if (!own) throw notFound('duty roster of org', orgId);
    return { ...own.roster, orgId, updatedAt: own.updated_at };
  }

  async put(actor: Actor, orgId: number, roster: DutyRoster) {
    return this.db.transaction(async (tx) => {
      const org = await findOrg(tx, orgId);
      if (!org) throw notFound('org', orgId);
      assertCanWrite(actor.principal, org.path, 'org', orgId);
      const handlers = new Set(await roleHoldersAt(tx, orgId, HANDLER_ROLES));
      const named = [
        ...roster.slots.map((s, i) => [s.personId, `slots.${i}.personId`] as const),
        ...roster.exceptions.map((e, i) => [e.personId, `exceptions.${i}.personId`] as const),
      ];
      const checked = new Set<number>();
      for (const [id, field] of named) {
        if (checked.has(id)) continue;
        checked.add(id);
        await requirePerson(tx, actor.principal, id, { field });
        if (!handlers.has(id))
          throw badRequest('Only a handler of the org can be on its roster', [
            {
              field,
              message: `person ${id} holds no handler role (${HANDLER_ROLES.join(', ')}) at this org`,
            },
          ]);
      }
      const before = (await ownRoster(tx, orgId))?.roster ?? null;
      const updatedAt = await upsertRoster(tx, orgId, roster);
      await recordAudit(tx, actor, {
        action: 'duty_roster.put',
        objectType: 'duty_roster',
        objectId: orgId,
        orgId,
        before,
        after: roster,
      });
      return { ...roster, orgId, updatedAt };
    });
  }
}
