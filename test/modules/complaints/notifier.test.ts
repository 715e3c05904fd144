import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { ComplaintNotifier } from '../../../src/modules/complaints/notifier.js';
import { insertComplaint } from '../../../src/modules/complaints/repository.js';
import { insertIdentity, insertPerson } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const ROOM = 'sunshine-residents@chatroom';

describe('what a WeChat reporter hears in their group', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb('pglite');
  });
  afterEach(async () => {
    await db.close();
  });

  /** A complaint filed from the residents' room by 张伟, accepted by a handler; what the reporter is told. */
  const reporterNotice = async (anonymous: boolean) => {
    const outbox = new RecordingOutbox(db);
    const s = quietServices(db, { outbox });
    const { compound } = await seedCompoundChain(s);
    const person = await insertPerson(db, { name: '张伟', orgId: compound });
    await insertIdentity(db, {
      personId: person.id,
      channel: 'wechat',
      externalId: 'wx-zw',
      displayName: '张伟',
    });
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: compound,
        reporterId: person.id,
        anonymous,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
        channel: 'wechat',
        chatExternalId: ROOM,
      }),
    );
    const accepted = await s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
    outbox.requests.length = 0;
    await new ComplaintNotifier(db, outbox).changed(accepted);
    const toReporter = outbox.requests.filter((r) => r.idempotencyKey.endsWith('-reporter'));
    expect(toReporter).toHaveLength(1);
    return { notice: toReporter[0]!.message, number: c.number };
  };

  it('names the reporter with an @-mention when they did not ask to stay anonymous', async () => {
    const { notice, number } = await reporterNotice(false);
    expect(notice.chat).toEqual({ externalId: ROOM, kind: 'group' });
    expect(notice.mention).toEqual({ externalId: 'wx-zw', displayName: '张伟' });
    expect(notice.text).toContain(`您的报事 ${number}`);
  });

  it('never names an anonymous reporter in the group: no mention, not addressed, only the number', async () => {
    const { notice, number } = await reporterNotice(true);
    expect(notice.chat).toEqual({ externalId: ROOM, kind: 'group' });
    expect(notice.mention).toBeUndefined();
    expect(notice.text).not.toContain('您的');
    expect(notice.text).not.toContain('张伟');
    expect(notice.text).toContain(`报事 ${number}`);
  });
});
