/**
 * A resident on the WeChat Official Account (服务号), end to end against the fake 公众平台 of
 * test/fakes/wechat-oa (safe mode: every push signed and AES-encrypted; the 48-hour window, the
 * reply count per message, the replaced access_token and the subscription grants enforced as
 * WeChat does): the server URL check, the menu from the admin API, following, linking to the
 * register with the committee's code, a complaint filed from the menu with a photo, the
 * reporter's notices inside the window, outside it (unreachable, then a subscription notice once
 * the follower agreed to one), and WeChat's second try of one message handled once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aesKeyOf, encrypt, signature } from '../../../src/channels/wechat-oa/crypto.js';
import { buildXml } from '../../../src/channels/wechat-oa/xml.js';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { type FakeOfficialAccount, startFakeOfficialAccount } from '../../fakes/wechat-oa/server.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const APP_ID = 'wx0123456789abcdef';
const APP_SECRET = '0123456789abcdef0123456789abcdef';
const TOKEN = 'linliOaToken42';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const TEMPLATE = 'TPL-complaint-progress';
const WANG = 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M';
const HOUR = 3_600_000;
// a 1×1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('a resident on the WeChat Official Account', () => {
  let t: TelegramLinli | undefined;
  let oa: FakeOfficialAccount | undefined;
  afterEach(async () => {
    await t?.stop();
    await oa?.close();
    t = undefined;
    oa = undefined;
  });

  /**
   * The fake 公众平台 (safe mode: pushes encrypted with AES_KEY) and Linli on it, its server URL set;
   * `env` adds to (or overrides) the account's settings. Both are kept for afterEach as they start
   * (a failed start is still cleaned up), and returned for the test to hold.
   */
  const startBoth = async (
    o: { safe?: boolean; env?: Record<string, string> } = {},
  ): Promise<{ t: TelegramLinli; oa: FakeOfficialAccount }> => {
    oa = await startFakeOfficialAccount({
      appId: APP_ID,
      appSecret: APP_SECRET,
      token: TOKEN,
      ...(o.safe ? { aesKey: AES_KEY } : {}),
    });
    t = await startTelegramLinli({
      env: {
        SEED_DEMO: 'false',
        WECHAT_OA_APP_ID: APP_ID,
        WECHAT_OA_APP_SECRET: APP_SECRET,
        WECHAT_OA_TOKEN: TOKEN,
        ...(o.safe ? { WECHAT_OA_AES_KEY: AES_KEY } : {}),
        WECHAT_OA_API_ROOT: oa.apiRoot,
        ...o.env,
      },
    });
    oa.setWebhookUrl(`${t.base}/wechat-oa/webhook`);
    return { t, oa };
  };

  it('follows, links with a code, files from the menu with a photo, hears back inside and outside the 48 h window', async () => {
    ({ t, oa } = await startBoth({
      safe: true,
      env: { WECHAT_OA_NOTICE_TEMPLATE: JSON.stringify({ templateId: TEMPLATE, field: 'thing1' }) },
    }));
    const { api } = t;
    const fake = oa;

    // ---- the operator saves the server URL: WeChat checks it; a forged push is refused
    expect(await fake.verifyServerUrl()).toMatchObject({ status: 200, ok: true });
    const forged = await fetch(`${t.base}/wechat-oa/webhook?signature=0&timestamp=1&nonce=2`, {
      method: 'POST',
      body: '<xml></xml>',
    });
    expect(forged.status).toBe(401);

    // ---- the menu, from the admin API: WeChat's rules checked first, the default published
    const tooMany = await api('PUT', '/channels/wechat-oa/menu', {
      button: ['a', 'b', 'c', 'd'].map((k) => ({ type: 'click', name: k, key: k })),
    });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body.error.details)).toContain('button');
    expect(fake.menu).toBeUndefined();
    const published = await api('PUT', '/channels/wechat-oa/menu', {});
    expect(published.status).toBe(200);
    expect(fake.menu?.button.map((b) => (b as { name: string }).name)).toEqual(['报事', '投票', '我的']);
    const status = await api('GET', '/channels/wechat-oa');
    expect(status.body).toMatchObject({
      configured: true,
      appId: APP_ID,
      mode: 'safe',
      serverPath: '/wechat-oa/webhook',
    });
    expect(status.body.accessToken.fetchedAt).toEqual(expect.any(String));

    // ---- the committee's register and codes, over the API
    const { compound } = await seedCompoundChain(t.linli.services, '公众号小区');
    expect(
      (
        await api('POST', `/orgs/${compound}/units`, [
          { building: '2栋', unit: '1单元', room: '301', area: '88.5', owners: [{ name: '王芳' }] },
        ])
      ).status,
    ).toBe(200);
    const code = (await api('POST', `/orgs/${compound}/unit-codes`, {})).body.issued[0].code as string;

    // a conversation as the follower sees it: each of the account's messages taken once, in order
    let seen = 0;
    const next = async (contains: string) => {
      const m = await fake
        .waitForMessage(
          (x) =>
            x.openid === WANG &&
            fake.messagesTo(WANG).indexOf(x) >= seen &&
            (x.text ?? '').includes(contains),
        )
        .catch((err) => {
          throw new Error(
            `no "${contains}"; sent:\n${fake
              .messagesTo(WANG)
              .map((x) => x.text ?? x.msgtype)
              .join('\n---\n')}`,
            {
              cause: err,
            },
          );
        });
      seen = fake.messagesTo(WANG).indexOf(m) + 1;
      return m.text ?? '';
    };
    const numberOf = (prompt: string, label: RegExp) => {
      const line = prompt.split('\n').find((l) => /^\d+\. /.test(l) && label.test(l.replace(/^\d+\. /, '')));
      expect(line, `a choice ${label} in:\n${prompt}`).toBeDefined();
      return line!.split('.')[0]!;
    };

    // ---- following: answered (success, first try), with how to start
    const followed = await fake.follow(WANG);
    expect(followed).toMatchObject({ status: 200, body: 'success', tries: 1 });
    await next('投诉');

    // ---- before linking, 报事 says how to link (no group to start from)
    await fake.click(WANG, 'complaint');
    await next('认证 验证码');

    // ---- linking with the committee's code
    await fake.say(WANG, `认证 ${code}`);
    expect(await next('王芳')).not.toContain(code);

    // ---- the complaint, from the menu, with numbered choices and a photo (a second later: the
    // same menu item twice within one second is one press, as WeChat's retries of an event are)
    fake.advance(1000);
    await fake.click(WANG, 'complaint');
    const categories = await next('哪一类问题');
    expect(categories).toMatch(/回复 1/);
    await fake.say(WANG, '1');
    await next('简单说一下');
    await fake.say(WANG, '2栋楼道的灯坏了一个星期，晚上很黑');
    await next('问题在哪儿');
    await fake.say(WANG, '2栋1单元301');
    await next('照片');
    await fake.sendImage(WANG, PNG);
    const anonymous = await next('要匿名吗');
    await fake.say(WANG, numberOf(anonymous, /^否|不/));
    const confirm = await next('请确认');
    expect(confirm).toContain('2栋1单元301');
    await fake.say(WANG, numberOf(confirm, /^(是|确认|提交)/));
    const filed = await next('已受理');
    const number = /(\d{8}-\d+)/.exec(filed)![1]!;

    const list = await api('GET', `/complaints?orgId=${compound}`);
    const complaint = list.body.items.find((c: { number: string }) => c.number === number);
    expect(complaint).toMatchObject({ status: expect.any(String), anonymous: false });
    const photo = await fetch(`${t.base}/api/v1/complaints/${complaint.id}/photos/0`, {
      headers: { authorization: `Bearer ${(await import('../../support/telegram-linli.js')).ADMIN_TOKEN}` },
    });
    expect(photo.status).toBe(200);
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true);

    // ---- inside the window, the reporter hears of the complaint's progress
    expect((await api('POST', `/complaints/${complaint.id}/actions`, { action: 'accept' })).status).toBe(200);
    await next(number);
    const fetchesBefore = fake.tokenFetches;

    // ---- two days later: the account may not write to them; without a subscription: unreachable
    fake.advance(48 * HOUR + 60_000);
    expect((await api('POST', `/complaints/${complaint.id}/actions`, { action: 'start' })).status).toBe(200);
    const unreached = await waitFor(async () => {
      const d = await api('GET', `/deliveries?limit=50`);
      return d.body.items.find(
        (x: { channel: string; status: string }) => x.channel === 'wechat_oa' && x.status === 'unreachable',
      );
    });
    expect(JSON.stringify(unreached)).toMatch(/out_of_window/);
    // the fake's clock ran past the token's 2 hours: refused once (42001), fetched again, once
    expect(fake.tokenFetches).toBe(fetchesBefore + 1);
    const timeline = (await api('GET', `/complaints/${complaint.id}`)).body;
    expect(JSON.stringify(timeline)).toContain('unreachable');

    // ---- once they agreed to the progress notice, the next one comes as a subscription notice
    fake.grantSubscription(WANG, TEMPLATE);
    expect(
      (await api('POST', `/complaints/${complaint.id}/actions`, { action: 'resolve', note: '已更换灯泡' }))
        .status,
    ).toBe(200);
    const notice = await fake.waitForMessage((m) => m.openid === WANG && m.msgtype === 'subscribe');
    expect(notice.templateId).toBe(TEMPLATE);
    const value = notice.data?.thing1?.value ?? '';
    expect(value).toContain(number.slice(0, 8));
    expect([...value].length).toBeLessThanOrEqual(20);

    // ---- writing again opens the window: customer-service messages flow again
    seen = fake.messagesTo(WANG).length;
    await fake.say(WANG, '帮助');
    await next('投诉');
  }, 120_000);

  it('a compound’s QR code: whoever scans it is its resident and straight in the conversation it opens', async () => {
    ({ t, oa } = await startBoth());
    const fake = oa;
    const { community, compound } = await seedCompoundChain(t.linli.services, '扫码小区');

    // only where residents live
    const wrongKind = await t.api('POST', `/orgs/${community}/wechat-oa-qrcodes`, { opens: 'complaint' });
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.error.details[0].field).toBe('id');
    const badOpens = await t.api('POST', `/orgs/${compound}/wechat-oa-qrcodes`, { opens: 'anything' });
    expect(badOpens.status).toBe(400);

    const made = await t.api('POST', `/orgs/${compound}/wechat-oa-qrcodes`, { opens: 'complaint', days: 7 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ scene: `in${compound}_complaint`, expiresAt: expect.any(String) });
    expect(made.body.imageUrl).toContain(encodeURIComponent(made.body.ticket));
    const permanent = await t.api('POST', `/orgs/${compound}/wechat-oa-qrcodes`, {});
    expect(permanent.body).toMatchObject({ scene: `in${compound}`, expiresAt: null });

    // 李 scans the lobby's code: follows, is the compound's resident, and is asked what happened
    const LI = 'oLi_scanner_0000000000000000';
    const scene = fake.sceneOfTicket(made.body.ticket);
    expect(scene).toBe(`in${compound}_complaint`);
    await fake.follow(LI, scene);
    const asked = await fake.waitForMessage((m) => m.openid === LI && (m.text ?? '').includes('哪一类问题'));
    expect(asked.text).toMatch(/回复 1/);
    const people = await t.api('GET', `/people?orgId=${compound}`);
    expect(people.body.items).toEqual([expect.objectContaining({ name: '微信用户', orgId: compound })]);
  }, 60_000);

  it('a notice the account may no longer send reaches the same owner on Telegram', async () => {
    ({ t, oa } = await startBoth());
    const fake = oa;
    const { api } = t;
    const { compound } = await seedCompoundChain(t.linli.services, '双通道小区');
    await api('POST', `/orgs/${compound}/units`, [
      { building: '5栋', unit: '2单元', room: '602', area: '90', owners: [{ name: '赵敏' }] },
    ]);
    const unitId = (await api('GET', `/orgs/${compound}/units`)).body.items[0].id as number;

    // 赵敏 links her Telegram with the committee's code, then her WeChat with a second one
    const ZHAO: FakeUser = { id: 8801, first_name: '赵敏' };
    const tg = telegramChat(t.fake);
    const first = (await api('POST', `/orgs/${compound}/unit-codes`, {})).body.issued[0].code;
    await t.fake.deliverUpdateToWebhook(
      t.fake.makeTextMessageUpdate({
        chatId: ZHAO.id,
        chatType: 'private',
        from: ZHAO,
        text: `认证 ${first}`,
      }),
    );
    await tg.next(ZHAO.id, '赵敏');
    const second = (await api('POST', `/orgs/${compound}/unit-codes`, { unitIds: [unitId] })).body.issued[0]
      .code;
    const OPENID = 'oZhao_oa_00000000000000000000';
    await fake.follow(OPENID);
    await fake.say(OPENID, `认证 ${second}`);
    await fake.waitForMessage((m) => m.openid === OPENID && (m.text ?? '').includes('赵敏'));

    // she files on the Official Account
    fake.advance(1000);
    await fake.say(OPENID, '报事');
    await fake.waitForMessage((m) => m.openid === OPENID && (m.text ?? '').includes('哪一类问题'));
    for (const [answer, asked] of [
      ['1', '简单说一下'],
      ['电梯按钮失灵好几天了', '问题在哪儿'],
      ['跳过', '照片'],
      ['跳过', '要匿名吗'],
      ['2', '请确认'],
      ['1', '已受理'],
    ] as const) {
      const before = fake.messagesTo(OPENID).length;
      await fake.say(OPENID, answer);
      await fake.waitForMessage(
        (m) =>
          m.openid === OPENID &&
          fake.messagesTo(OPENID).indexOf(m) >= before &&
          (m.text ?? '').includes(asked),
      );
    }
    const number = /(\d{8}-\d+)/.exec(fake.messagesTo(OPENID).at(-1)!.text!)![1]!;
    const complaint = (await api('GET', `/complaints?orgId=${compound}`)).body.items[0];
    expect(complaint.number).toBe(number);

    // three days on, the account may not write to her; her Telegram hears that it was accepted
    fake.advance(72 * HOUR);
    expect((await api('POST', `/complaints/${complaint.id}/actions`, { action: 'accept' })).status).toBe(200);
    await tg.next(ZHAO.id, number);
    const oaDeliveries = (await api('GET', '/deliveries?limit=50')).body.items.filter(
      (d: { channel: string }) => d.channel === 'wechat_oa',
    );
    expect(oaDeliveries.some((d: { status: string }) => d.status === 'rerouted')).toBe(true);
    expect(oaDeliveries.some((d: { status: string }) => d.status === 'unreachable')).toBe(false);
  }, 90_000);

  it('a wrong AppSecret: the reply waits, nothing is lost, and /readyz tells the operator why', async () => {
    ({ t, oa } = await startBoth({ env: { WECHAT_OA_APP_SECRET: 'ffffffffffffffffffffffffffffffff' } }));
    expect(await oa.follow(WANG)).toMatchObject({ status: 200, body: 'success' });
    const ready = await waitFor(async () => {
      const r = await fetch(`${t!.base}/readyz`);
      const body = (await r.json()) as { warnings?: { name: string; message: string }[] };
      const w = body.warnings?.find((x) => x.name === 'wechat_oa');
      return w ? { status: r.status, w } : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.w.message).toMatch(/40125/);
    expect(ready.w.message).not.toContain('ffffffff');
    // the answer to the follow is kept, waiting for the account (no attempt counted)
    const queued = (await t.api('GET', '/deliveries?limit=10')).body.items.filter(
      (d: { channel: string }) => d.channel === 'wechat_oa',
    );
    expect(queued).toEqual([expect.objectContaining({ status: 'queued' })]);
    expect(oa.messagesTo(WANG)).toEqual([]);
  }, 60_000);

  it('a second try of one message is handled once; a push for another account is refused', async () => {
    ({ t, oa } = await startBoth({ safe: true }));
    await oa.follow(WANG);
    await oa.waitForMessage((m) => m.openid === WANG);
    const before = oa.messagesTo(WANG).length;

    // the same MsgId pushed twice, as WeChat does when an answer is late
    const push = async (appId: string, msgId: string) => {
      const xml = buildXml({
        ToUserName: 'gh_fake0000001',
        FromUserName: WANG,
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: 'text',
        Content: '帮助',
        MsgId: msgId,
      });
      const sealed = encrypt(aesKeyOf(AES_KEY), appId, xml);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = String(Math.random()).slice(2, 10);
      const q = new URLSearchParams({
        signature: signature([TOKEN, timestamp, nonce]),
        timestamp,
        nonce,
        openid: WANG,
        encrypt_type: 'aes',
        msg_signature: signature([TOKEN, timestamp, nonce, sealed]),
      });
      return fetch(`${t!.base}/wechat-oa/webhook?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: buildXml({ ToUserName: 'gh_fake0000001', Encrypt: sealed }),
      });
    };
    const [a, b] = await Promise.all([push(APP_ID, '9000000001'), push(APP_ID, '9000000001')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.text()).toBe('success');
    await oa.waitForMessage((m) => m.openid === WANG && oa!.messagesTo(WANG).indexOf(m) >= before);
    await new Promise((r) => setTimeout(r, 500));
    expect(oa.messagesTo(WANG)).toHaveLength(before + 1);

    // encrypted for another AppID: not ours, refused, nothing said
    expect((await push('wx1111111111111111', '9000000002')).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(oa.messagesTo(WANG)).toHaveLength(before + 1);
  }, 60_000);
});

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('waitFor: not met');
    await new Promise((r) => setTimeout(r, 100));
  }
}
