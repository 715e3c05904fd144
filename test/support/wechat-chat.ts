import { types } from 'wechaty';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import type { Queryable } from '../../src/kernel/db/db.js';
import { DEFAULT_CATEGORIES } from '../../src/modules/complaints/categories.js';
import type { ContactMock, RoomMock, SentMessage, WechatMock } from '../fakes/wechat/harness.js';
import { SHANGHAI, seedCompoundChain } from './org-chain.js';
import { until } from './until.js';
import type { WechatLinli } from './wechat-linli.js';

/** Where a bot message went: a person privately, or a room. */
export type WechatWhere = { toId?: string; roomId?: string };

/**
 * Waiting for the bot on WeChat as a person reads it: `next` is the first message not taken yet to
 * `where` that contains `contains`, and it returns once nothing is left queued in the outbox (so
 * whatever the same step sends is out before the next answer); a miss says what was sent.
 */
export function wechatChat(h: WechatMock, db: Queryable, timeoutMs = 20_000) {
  const taken = new Set<SentMessage>();
  const drained = () =>
    until(
      async () =>
        (await db.query(`SELECT 1 FROM linli.deliveries WHERE status = 'queued'`)).rows.length === 0,
      'the outbox to drain',
    );
  const next = async (where: WechatWhere, contains: string) => {
    const m = await h
      .waitForSent(
        (x) =>
          !taken.has(x) &&
          (where.toId ? x.toId === where.toId : x.roomId === where.roomId) &&
          x.text.includes(contains),
        timeoutMs,
      )
      .catch((err: Error) => {
        const log = h.sent.map((x) => [x.toId ?? x.roomId, x.text]);
        throw new Error(`${err.message}: "${contains}"; sent: ${JSON.stringify(log)}`);
      });
    taken.add(m);
    await drained();
    return m;
  };
  return { next, drained };
}

/**
 * A resident files a noise complaint on WeChat as a person does: speaks in the residents' group
 * (the bot learns them), adds the bot as a friend (`addsBot`), then answers the built-in flow
 * privately with the numbered choices.
 */
export async function fileNoiseComplaint(
  h: WechatMock,
  next: ReturnType<typeof wechatChat>['next'],
  addsBot: (c: ContactMock) => Promise<unknown>,
  reporter: ContactMock,
  residents: RoomMock,
  description = '楼上装修到晚上十点',
  /** sent as the photo of the scene (an image's bytes) instead of skipping it */
  photo?: Buffer,
): Promise<void> {
  await h.say(reporter, '帮助', residents);
  await next({ roomId: residents.id }, '');
  await addsBot(reporter);
  const noise = DEFAULT_CATEGORIES.findIndex((c) => c.code === 'noise') + 1;
  for (const [answer, prompt] of [
    ['投诉', '您要反映哪一类问题'],
    [String(noise), '请简单说一下'],
    [description, '问题在哪儿'],
    ['跳过', '现场照片'],
  ] as const) {
    await h.say(reporter, answer);
    await next({ toId: reporter.id }, prompt);
  }
  if (photo) await h.sayNonText(reporter, types.Message.Image, { file: { name: 'scene.jpg', data: photo } });
  else await h.say(reporter, '跳过');
  await next({ toId: reporter.id }, '要匿名吗');
  await h.say(reporter, '2');
  await next({ toId: reporter.id }, '请确认');
  await h.say(reporter, '1');
  await next({ toId: reporter.id }, '已受理！');
}

/**
 * The scene of a handlers' test on WeChat: 阳光小区 on a Shanghai chain, a reporter 张伟 in its
 * residents' group (bound), and each named handler registered there with their WeChat contact and
 * `role`, each having added the bot as a friend.
 */
export async function sunshineOnWechat(w: WechatLinli, handlers: string[], role = 'grid_worker') {
  const { services, mock: h } = w;
  const chain = await seedCompoundChain(services, '阳光小区', SHANGHAI);
  const reporter = await h.createResident('张伟');
  const residents = await h.createRoom('阳光业主群', [reporter]);
  await services.chats.bindDirect(SYSTEM_ACTOR, chain.compound, {
    channel: 'wechat',
    externalChatId: residents.id,
    purpose: 'residents',
  });
  const contacts: ContactMock[] = [];
  for (const name of handlers) {
    const contact = await h.createResident(name);
    const p = await services.people.create(SYSTEM_ACTOR, { name, orgId: chain.compound });
    await services.people.addIdentity(SYSTEM_ACTOR, p.id, { channel: 'wechat', externalId: contact.id });
    await services.people.grantRole(SYSTEM_ACTOR, chain.compound, { personId: p.id, role: role as never });
    await w.addsBot(contact);
    contacts.push(contact);
  }
  return { chain, reporter, residents, contacts };
}
