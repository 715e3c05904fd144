/**
 * GET /deliveries (DeliveryService) and discreet deliveries: whom a message to an anonymous reporter
 * was for is withheld from tokens below the community level, in the rows and in the filters.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { DeliveryService } from '../../../src/kernel/outbox/delivery-service.js';
import { insertPerson } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { quietServices } from '../../support/services.js';

describe('discreet deliveries in GET /deliveries', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb('pglite');
  });
  afterEach(async () => {
    await db.close();
  });

  it('a compound token sees the message but not whom it was for, and cannot find it by person or chat; a community token can', async () => {
    const s = quietServices(db);
    const { compound, community } = await seedCompoundChain(s);
    const person = await insertPerson(db, { name: '匿名者', orgId: compound });
    await db.query(
      `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, org_id, person_id, message, discreet)
       VALUES ('a', 'telegram', '777', 'private', $1, $2, '{}', true), ('b', 'telegram', '888', 'private', $1, $2, '{}', false)`,
      [compound, person.id],
    );
    const view = new DeliveryService(db);
    const scoped = (orgId: number): Principal => ({
      kind: 'scoped',
      tokenId: 1,
      label: 't',
      orgId,
      role: 'admin',
    });

    const below = await view.list(scoped(compound), { limit: 10 });
    expect(below.items.map((d) => [d.chatExternalId, d.personId])).toEqual([
      ['888', person.id],
      ['(withheld)', null],
    ]);
    const byPerson = await view.list(scoped(compound), { personId: person.id, limit: 10 });
    expect(byPerson.items.map((d) => d.chatExternalId)).toEqual(['888']);
    const byChat = await view.list(scoped(compound), { chat: '777', limit: 10 });
    expect(byChat.items).toEqual([]);

    const above = await view.list(scoped(community), { personId: person.id, limit: 10 });
    expect(above.items.map((d) => [d.chatExternalId, d.personId])).toEqual([
      ['888', person.id],
      ['777', person.id],
    ]);
  });
});
