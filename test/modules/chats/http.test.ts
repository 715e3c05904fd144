import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markIn } from '../../../src/kernel/chat/update-marks.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

describe.each(engines())('binding chats to orgs on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  it('a bind code binds one group once, then is spent', async () => {
    const code = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/bind-codes`,
      body: { purpose: 'residents' },
    });
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(code.body.instructions).toContain(`绑定 ${code.body.code}`);
    const [a, b] = await Promise.all([
      t.services.chats.bindWithCode('wechat', 'room-1@chatroom', '阳光业主群', code.body.code.toLowerCase()),
      t.services.chats.bindWithCode('wechat', 'room-2@chatroom', '另一个群', code.body.code),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((x) => !x.ok)).toMatchObject({ reason: 'used' });
    const chats = await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundA}/chats` });
    expect(chats.body.items).toHaveLength(1);
    expect(chats.body.items[0]).toMatchObject({ channel: 'wechat', purpose: 'residents', boundVia: 'code' });
  });

  it('tells an unknown or expired code apart', async () => {
    expect(await t.services.chats.bindWithCode('telegram', '-100', undefined, 'NOPE2345')).toEqual({
      ok: false,
      reason: 'unknown_code',
    });
    const code = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/bind-codes`,
      body: { purpose: 'handlers', ttlMinutes: 5 },
    });
    await t.db.query(`UPDATE linli.bind_codes SET expires_at = now() - interval '1 second' WHERE code = $1`, [
      code.body.code,
    ]);
    expect(await t.services.chats.bindWithCode('telegram', '-100', undefined, code.body.code)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('admins bind directly, list and unbind; another compound’s admin cannot touch it', async () => {
    const bound = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundB}/chats`,
      body: { channel: 'telegram', externalChatId: '-1001234', purpose: 'handlers', title: '乙小区工作群' },
    });
    expect(bound.status).toBe(201);
    const adminA = await tokenFor(t, tree.compoundA, 'admin');
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/orgs/${tree.compoundB}/chats`, token: adminA })).status,
    ).toBe(404);
    const steal = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/chats`,
      token: adminA,
      body: { channel: 'telegram', externalChatId: '-1001234', purpose: 'residents' },
    });
    expect(steal.status).toBe(409);
    expect(steal.body.error.message).not.toContain(String(tree.compoundB));
    const removed = await t.call({
      method: 'DELETE',
      url: `/api/v1/orgs/${tree.compoundB}/chats/${bound.body.id}`,
    });
    expect(removed.status).toBe(204);
    expect(await t.services.chats.find('telegram', '-1001234')).toBeNull();
  });

  it('rejects a bad purpose and an unknown channel naming the field', async () => {
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/bind-codes`,
      body: { purpose: 'everyone' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('body.purpose');
    const c = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/chats`,
      body: { channel: 'line', externalChatId: 'x', purpose: 'residents' },
    });
    expect(c.body.error.details[0].field).toBe('body.channel');
  });

  it('remembers update ids, and explains an unbound chat at most once a day', async () => {
    expect(await t.services.chats.handledBefore('telegram', '991')).toBe(false);
    expect(await markIn(t.db, 'telegram', '991')).toBe(true);
    expect(await markIn(t.db, 'telegram', '991')).toBe(false);
    expect(await t.services.chats.handledBefore('telegram', '991')).toBe(true);
    expect(await t.services.chats.handledBefore('wechat', '991')).toBe(false);
    expect(await markIn(t.db, 'wechat', '991')).toBe(true);
    expect(await t.services.chats.mayExplainUnbound('wechat', 'r9')).toBe(true);
    expect(await t.services.chats.mayExplainUnbound('wechat', 'r9')).toBe(false);
    await t.db.query(`UPDATE linli.unbound_chat_notices SET noticed_at = now() - interval '25 hours'`);
    expect(await t.services.chats.mayExplainUnbound('wechat', 'r9')).toBe(true);
    await t.db.query(
      `UPDATE linli.processed_updates SET seen_at = now() - interval '25 hours' WHERE update_id = '991'`,
    );
    expect((await t.services.chats.purgeExpired()).updates).toBe(2);
    expect(await t.services.chats.handledBefore('telegram', '991')).toBe(false);
    expect(await markIn(t.db, 'telegram', '991')).toBe(true);
  });
});

describe.each(engines())('dead letters on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  it('lists the updates that failed for good to superusers, with their error and a count', async () => {
    const m = (updateId: string, text: string) => ({
      channel: 'telegram' as const,
      updateId,
      messageId: '1',
      chat: { externalId: '-100', kind: 'group' as const },
      sender: { externalId: '42', displayName: 'Ann', isBot: false },
      text,
      addressedToBot: false,
      media: [],
      receivedAt: new Date(),
    });
    await t.services.failedUpdates.keep(m('501', 'a\u0000b'), new TypeError('a bug'));
    await t.services.failedUpdates.keep(m('502', 'c'), new RangeError('another'));
    await t.services.failedUpdates.keep(m('502', 'c'), new RangeError('again')); // kept once
    expect(await t.services.chats.handledBefore('telegram', '501')).toBe(true);
    const first = await t.call({ method: 'GET', url: '/api/v1/failed-updates?limit=1' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      total: 2,
      items: [{ channel: 'telegram', updateId: '502', error: 'RangeError: another', message: { text: 'c' } }],
    });
    const second = await t.call({
      method: 'GET',
      url: `/api/v1/failed-updates?limit=1&cursor=${first.body.nextCursor}`,
    });
    expect(second.body.items).toMatchObject([{ updateId: '501', message: { text: 'ab' } }]);
    const scoped = await tokenFor(t, tree.compoundA, 'admin');
    expect((await t.call({ method: 'GET', url: '/api/v1/failed-updates', token: scoped })).status).toBe(403);
    expect((await t.call({ method: 'GET', url: '/api/v1/failed-updates?channel=sms' })).status).toBe(400);
  });
});
