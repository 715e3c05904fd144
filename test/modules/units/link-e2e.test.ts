/**
 * Linking chat accounts to the owner register, against the fake Bot API (`startLinli`):
 * - the codes API: issue for all units or some (one active per unit, replace), revoke, the
 *   mail-merge CSV (BOM, Chinese headers);
 * - codes in a private chat: a wrong code, a revoked one, a used one, each with its reply; five
 *   wrong codes in an hour and even a right one is not looked at;
 * - the phone share: /link offers the request_contact keyboard; someone else's contact and a number
 *   of no owner link nothing; the sender's own number of an owner links them (the resident the
 *   group made is merged into the owner), the keyboard is removed, and the owner can vote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { contactUpdate } from '../../support/telegram-contact.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100888;
const WANG: FakeUser = { id: 7101, first_name: '王芳' };
const LI: FakeUser = { id: 7102, first_name: '李强' };
const GUESS: FakeUser = { id: 7103, first_name: '试码者' };

describe('linking chat accounts to the owner register (Telegram)', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('codes API, wrong / revoked / used codes, the rate limit, and the phone share', async () => {
    t = await startTelegramLinli({ env: { SEED_DEMO: 'false' } });
    const { fake, api } = t;
    const compound = (await seedCompoundChain(t.linli.services, '认证小区')).compound;
    const imported = await api('POST', `/orgs/${compound}/units`, [
      {
        building: '2栋',
        unit: '1单元',
        room: '301',
        area: '88.5',
        owners: [{ name: '王芳', phone: '+86 138-0013-8000' }],
      },
      {
        building: '2栋',
        unit: '1单元',
        room: '302',
        area: '66',
        owners: [{ name: '李强', phone: '13900139000' }],
      },
      { building: '2栋', unit: '2单元', room: '101', area: '70', owners: [{ name: '=张三' }] },
    ]);
    expect(imported.status).toBe(200);
    const units = (await api('GET', `/orgs/${compound}/units`)).body.items as { id: number; room: string }[];
    const unit = (room: string) => units.find((u) => u.room === room)!.id;

    // ---- the codes API
    const all = await api('POST', `/orgs/${compound}/unit-codes`, {});
    expect(all.status).toBe(201);
    expect(all.body.issued).toHaveLength(3);
    for (const c of all.body.issued) expect(c.code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
    const again = await api('POST', `/orgs/${compound}/unit-codes`, { unitIds: [unit('301')] });
    expect(again.body).toEqual({ issued: [], skipped: [unit('301')] });
    const replaced = await api('POST', `/orgs/${compound}/unit-codes`, {
      unitIds: [unit('302')],
      replace: true,
    });
    expect(replaced.body.issued).toHaveLength(1);
    const oldLi = all.body.issued.find((c: { room: string }) => c.room === '302').code as string;
    const liCode = replaced.body.issued[0].code as string;
    expect(liCode).not.toBe(oldLi);
    const revoked = await api('POST', `/orgs/${compound}/unit-codes/revoke`, { unitIds: [unit('101')] });
    expect(revoked.body).toEqual({ revoked: [unit('101')] });
    const listed = await api('GET', `/orgs/${compound}/unit-codes`);
    expect(listed.body.items.map((c: { address: string }) => c.address)).toEqual([
      '2栋1单元301',
      '2栋1单元302',
    ]);
    const wangCode = listed.body.items[0].code as string;
    const csv = await fetch(`${t.base}/api/v1/orgs/${compound}/unit-codes.csv`, {
      headers: { authorization: `Bearer ${t.config.adminToken}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe(
      `楼栋,单元,房号,地址,业主,认证码\r\n2栋,1单元,301,2栋1单元301,王芳,${wangCode}\r\n2栋,1单元,302,2栋1单元302,李强,${liCode}\r\n`,
    );
    const bad = await api('POST', `/orgs/${compound}/unit-codes`, { unitIds: [987654] });
    expect(bad.status).toBe(404);
    expect(bad.body.error.details).toEqual([{ field: 'unitIds.0', message: 'no such unit' }]);

    // ---- codes in chat
    const chat = telegramChat(fake);
    const privately = (from: FakeUser, text: string) =>
      fake.deliverUpdateToWebhook(
        fake.makeTextMessageUpdate({ chatId: from.id, chatType: 'private', from, text }),
      );
    await privately(GUESS, `认证 ${oldLi}`);
    await chat.next(GUESS.id, '已被业主委员会作废');
    for (let i = 0; i < 4; i++) {
      await privately(GUESS, '认证 ZZZZZZZZ');
      await chat.next(GUESS.id, '验证码不正确');
    }
    // five failures in the hour: the right code is not even looked at
    await privately(GUESS, `认证 ${liCode}`);
    await chat.next(GUESS.id, '输错验证码次数过多');

    // ---- the phone share: 王芳 wrote in the group first (a resident of the compound)
    expect(
      (
        await api('POST', `/orgs/${compound}/chats`, {
          channel: 'telegram',
          externalChatId: String(GROUP),
          purpose: 'residents',
        })
      ).status,
    ).toBe(201);
    await fake.deliverUpdateToWebhook(
      fake.makeTextMessageUpdate({
        chatId: GROUP,
        chatType: 'supergroup',
        from: WANG,
        text: '@test_bot 帮助',
      }),
    );
    await privately(WANG, '/link');
    const offer = await chat.next(WANG.id, '分享手机号');
    expect(offer.params.reply_markup).toEqual({
      keyboard: [[{ text: '分享手机号', request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    });
    // someone else's card: nothing linked
    await fake.deliverUpdateToWebhook(contactUpdate(fake, WANG, { phone: '13900139000', userId: LI.id }));
    await chat.next(WANG.id, '这不是您本人的手机号名片');
    // her own number, but one no owner has
    await fake.deliverUpdateToWebhook(
      contactUpdate(fake, WANG, { phone: '+8613700000000', userId: WANG.id }),
    );
    await chat.next(WANG.id, '与您小区名册中的业主都不一致');
    // her own number as the register has it (+86, spaces and dashes aside)
    await fake.deliverUpdateToWebhook(contactUpdate(fake, WANG, { phone: '8613800138000', userId: WANG.id }));
    const done = await chat.next(WANG.id, '关联成功：此账号已关联名册中的业主 王芳');
    expect(done.params.reply_markup).toEqual({ remove_keyboard: true });
    // the code of her unit is still there; sending it now says she is linked already
    await privately(WANG, `/verify ${wangCode}`);
    await chat.next(WANG.id, '此账号已经关联业主 王芳');

    // the register's owner is the chat account now: one person, the group's resident merged in
    const owner = units.find((u) => u.room === '301') as unknown as { owners: { personId: number }[] };
    const person = (await api('GET', `/people/${owner.owners[0]!.personId}`)).body;
    expect(person.identities.map((i: { externalId: string }) => i.externalId)).toEqual([String(WANG.id)]);
    expect(person.roles.map((r: { role: string }) => r.role).sort()).toEqual(['owner', 'resident']);
  }, 120_000);
});
