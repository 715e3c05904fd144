// Drives the fake WeChat Official Account: a tiny node:http "product" checks what it pushes (with
// its own signature and AES code, not the fake's), and plain fetch calls exercise its API.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decrypt, encrypt, sign } from './wechat-oa/crypto.js';
import { type FakeOfficialAccount, startFakeOfficialAccount } from './wechat-oa/server.js';
import { buildXml, parseXml } from './wechat-oa/xml.js';

const APP_ID = 'wx0123456789abcdef';
const SECRET = 'the-app-secret';
const TOKEN = 'linliToken42';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const GH = 'gh_0123456789ab';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(64)]);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

// --- the product's side, written independently of the fake's crypto.ts / xml.ts ---
const sha1Sorted = (...parts: string[]) => createHash('sha1').update(parts.sort().join('')).digest('hex');

function productDecrypt(b64: string): { xml: string; appId: string } {
  const key = Buffer.from(`${AES_KEY}=`, 'base64');
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  d.setAutoPadding(false);
  const padded = Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()]);
  const plain = padded.subarray(0, padded.length - padded[padded.length - 1]!);
  const len = plain.readUInt32BE(16);
  return { xml: plain.subarray(20, 20 + len).toString(), appId: plain.subarray(20 + len).toString() };
}

function productEncrypt(xml: string, appId = APP_ID): string {
  const key = Buffer.from(`${AES_KEY}=`, 'base64');
  const body = Buffer.from(xml);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), len, body, Buffer.from(appId)]);
  const pad = 32 - (plain.length % 32);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), c.final()]).toString(
    'base64',
  );
}

function fieldsOf(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  // a CDATA text may come split in several sections (around a ']]>')
  for (const m of xml.matchAll(/<(\w+)>((?:<!\[CDATA\[[\s\S]*?\]\]>)+|[^<]*)<\/\1>/g)) {
    out[m[1]!] = m[2]!.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  }
  return out;
}

interface Received {
  query: URLSearchParams;
  fields: Record<string, string>;
  appId?: string;
}

async function startProduct(opts: {
  safe: boolean;
  delayMs?: (f: Record<string, string>) => number;
  reply?: (f: Record<string, string>) => string;
}) {
  const received: Received[] = [];
  const refused: string[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    const ts = q.get('timestamp') ?? '';
    const nonce = q.get('nonce') ?? '';
    if (q.get('signature') !== sha1Sorted(TOKEN, ts, nonce)) {
      refused.push('signature');
      res.writeHead(403);
      return res.end();
    }
    if (req.method === 'GET') return res.end(q.get('echostr'));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let fields = fieldsOf(Buffer.concat(chunks).toString());
    let appId: string | undefined;
    if (opts.safe) {
      const enc = fields.Encrypt ?? '';
      if (q.get('encrypt_type') !== 'aes' || q.get('msg_signature') !== sha1Sorted(TOKEN, ts, nonce, enc)) {
        refused.push('msg_signature');
        res.writeHead(403);
        return res.end();
      }
      const plain = productDecrypt(enc);
      appId = plain.appId;
      fields = fieldsOf(plain.xml);
    }
    received.push({ query: q, fields, ...(appId ? { appId } : {}) });
    const delay = opts.delayMs?.(fields) ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;
    res.end(opts.reply?.(fields) ?? 'success');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`, received, refused };
}

async function setup(opts: { safe?: boolean; replyTimeoutMs?: number; oldTokenGraceMs?: number } = {}) {
  const safe = opts.safe ?? true;
  const product = await startProduct({ safe });
  const fake = await startFakeOfficialAccount({
    appId: APP_ID,
    appSecret: SECRET,
    token: TOKEN,
    originalId: GH,
    webhookUrl: product.url,
    ...(safe ? { aesKey: AES_KEY } : {}),
    ...opts,
  });
  cleanups.unshift(() => fake.close());
  return { fake, product };
}

// --- the product's API calls ---
async function getToken(fake: FakeOfficialAccount, appid = APP_ID, secret = SECRET) {
  const r = await fetch(
    `${fake.apiRoot}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}`,
  );
  return (await r.json()) as { access_token?: string; expires_in?: number; errcode?: number };
}

async function api(fake: FakeOfficialAccount, path: string, token: string, body?: unknown) {
  const r = await fetch(`${fake.apiRoot}${path}${path.includes('?') ? '&' : '?'}access_token=${token}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await r.json()) as { errcode?: number; errmsg?: string; [k: string]: unknown };
}

const sendText = (fake: FakeOfficialAccount, token: string, touser: string, content: string) =>
  api(fake, '/cgi-bin/message/custom/send', token, { touser, msgtype: 'text', text: { content } });

describe('fake WeChat OA crypto', () => {
  it("agrees with WeChat's published sample (spamtest)", () => {
    const enc =
      'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=';
    expect(sign('spamtest', '1409735669', '1320562132', enc)).toBe(
      '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
    );
    const { xml, appId } = decrypt(AES_KEY, enc);
    expect(appId).toBe('wx2c2769f8efd9abc2');
    expect(parseXml(xml)).toMatchObject({
      MsgType: 'text',
      Content: 'abcdteT',
      MsgId: '6054768590064713728',
    });
    const round = decrypt(AES_KEY, encrypt(AES_KEY, APP_ID, '<xml>中文 ]]></xml>'));
    expect(round).toEqual({ xml: '<xml>中文 ]]></xml>', appId: APP_ID });
  });

  it('splits ]]> across CDATA sections and reads it back', () => {
    const xml = buildXml({ Content: 'a]]>b', N: 5, Image: { MediaId: 'm' } });
    expect(xml).toBe(
      '<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content><N>5</N><Image><MediaId><![CDATA[m]]></MediaId></Image></xml>',
    );
    expect(parseXml(xml)).toEqual({ Content: 'a]]>b', N: '5', Image: { MediaId: 'm' } });
  });
});

describe('fake WeChat OA pushes to the product', () => {
  it('pushes a text in safe mode, signed and encrypted, with the right fields', async () => {
    const { fake, product } = await setup();
    expect(await fake.follow('o_ann', 'unit-3-201')).toMatchObject({ status: 200, tries: 1 });
    const out = await fake.say('o_ann', '楼道灯坏了 ]]> again');
    expect(out).toEqual({ status: 200, body: 'success', tries: 1 });
    expect(product.refused).toEqual([]);
    const [follow, text] = product.received;
    expect(follow!.fields).toMatchObject({
      MsgType: 'event',
      Event: 'subscribe',
      EventKey: 'qrscene_unit-3-201',
    });
    expect(text!.appId).toBe(APP_ID);
    expect(text!.query.get('openid')).toBe('o_ann');
    expect(text!.fields).toMatchObject({
      ToUserName: GH,
      FromUserName: 'o_ann',
      MsgType: 'text',
      Content: '楼道灯坏了 ]]> again',
    });
    expect(text!.fields.MsgId).toMatch(/^\d{19}$/);
    expect(Math.abs(Number(text!.fields.CreateTime) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('pushes plain XML without aesKey, and refuses actions of non-followers', async () => {
    const { fake, product } = await setup({ safe: false });
    expect(() => fake.say('o_bob', 'hi')).toThrow(/does not follow/);
    await fake.follow('o_bob');
    await fake.click('o_bob', 'MENU_COMPLAIN');
    await fake.sendLocation('o_bob', 30.657, 104.066, '阳光小区');
    expect(product.received.map((r) => r.fields)).toMatchObject([
      { Event: 'subscribe', EventKey: '' },
      { MsgType: 'event', Event: 'CLICK', EventKey: 'MENU_COMPLAIN' },
      { MsgType: 'location', Location_X: '30.657', Location_Y: '104.066', Label: '阳光小区' },
    ]);
    expect(product.received[0]!.query.has('msg_signature')).toBe(false);
    expect((await fake.verifyServerUrl()).ok).toBe(true);
  });

  it('tries a slow server 3 times with the same MsgId and fresh signatures', async () => {
    const product = await startProduct({ safe: true, delayMs: (f) => (f.MsgType === 'text' ? 450 : 0) });
    const fake = await startFakeOfficialAccount({
      appId: APP_ID,
      appSecret: SECRET,
      token: TOKEN,
      aesKey: AES_KEY,
      webhookUrl: product.url,
      replyTimeoutMs: 300,
    });
    cleanups.unshift(() => fake.close());
    await fake.follow('o_cat');
    const out = await fake.say('o_cat', 'anyone?');
    expect(out).toMatchObject({ status: 0, tries: 3 });
    const texts = product.received.filter((r) => r.fields.MsgType === 'text');
    expect(texts).toHaveLength(3);
    expect(new Set(texts.map((t) => t.fields.MsgId)).size).toBe(1);
    expect(new Set(texts.map((t) => t.query.get('nonce'))).size).toBe(3);
  });

  it('records an encrypted passive reply, and refuses one for another appId', async () => {
    let appId = APP_ID;
    const product = await startProduct({
      safe: true,
      reply: (f) => {
        if (f.MsgType !== 'text') return 'success';
        const inner = `<xml><ToUserName><![CDATA[${f.FromUserName}]]></ToUserName><FromUserName><![CDATA[${f.ToUserName}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>`;
        const enc = productEncrypt(inner, appId);
        const ts = '1700000000';
        return `<xml><Encrypt><![CDATA[${enc}]]></Encrypt><MsgSignature><![CDATA[${sha1Sorted(TOKEN, ts, '42', enc)}]]></MsgSignature><TimeStamp>${ts}</TimeStamp><Nonce><![CDATA[42]]></Nonce></xml>`;
      },
    });
    const fake = await startFakeOfficialAccount({
      appId: APP_ID,
      appSecret: SECRET,
      token: TOKEN,
      aesKey: AES_KEY,
      originalId: GH,
      webhookUrl: product.url,
    });
    cleanups.unshift(() => fake.close());
    await fake.follow('o_dan');
    expect((await fake.say('o_dan', '报修')).passiveReply).toEqual({ msgType: 'text', content: '收到' });
    expect(fake.messagesTo('o_dan')).toMatchObject([{ msgtype: 'text', text: '收到', passive: true }]);
    appId = 'wx_someone_else';
    expect((await fake.say('o_dan', 'again')).error).toMatch(/appId/);
    expect(fake.messages).toHaveLength(1);
  });
});

describe('fake WeChat OA API', () => {
  it('replacing the token invalidates the old one (grace 0) with 40001; expired tokens get 42001', async () => {
    const { fake } = await setup({ oldTokenGraceMs: 0 });
    expect((await getToken(fake, 'wx_wrong')).errcode).toBe(40013);
    expect((await getToken(fake, APP_ID, 'wrong')).errcode).toBe(40125);
    const first = await getToken(fake);
    expect(first.expires_in).toBe(7200);
    await fake.follow('o_eve');
    expect((await sendText(fake, first.access_token!, 'o_eve', 'one')).errcode).toBe(0);
    const second = await getToken(fake);
    expect((await sendText(fake, first.access_token!, 'o_eve', 'two')).errcode).toBe(40001);
    expect((await sendText(fake, second.access_token!, 'o_eve', 'three')).errcode).toBe(0);
    expect(fake.tokenFetches).toBe(4);
    fake.expireTokens();
    expect((await sendText(fake, second.access_token!, 'o_eve', 'four')).errcode).toBe(42001);
    expect(fake.messagesTo('o_eve').map((m) => m.text)).toEqual(['one', 'three']);
  });

  it('refuses customer-service messages out of the 48 h window (45015) and past 20 replies (45047)', async () => {
    const { fake } = await setup();
    const { access_token: t } = await getToken(fake);
    expect((await sendText(fake, t!, 'o_nobody', 'x')).errcode).toBe(40003);
    await fake.follow('o_fay');
    for (let i = 0; i < 20; i++) expect((await sendText(fake, t!, 'o_fay', `n${i}`)).errcode).toBe(0);
    expect((await sendText(fake, t!, 'o_fay', 'n20')).errcode).toBe(45047);
    await fake.say('o_fay', 'still there?');
    expect((await sendText(fake, t!, 'o_fay', '')).errcode).toBe(44004);
    expect((await sendText(fake, t!, 'o_fay', 'x'.repeat(2049))).errcode).toBe(45002);
    const waiting = fake.waitForMessage((m) => m.text === 'yes');
    expect((await sendText(fake, t!, 'o_fay', 'yes')).errcode).toBe(0);
    expect(await waiting).toMatchObject({ openid: 'o_fay', msgtype: 'text' });
    fake.advance(48 * 3600_000 + 1);
    expect((await sendText(fake, t!, 'o_fay', 'late')).errcode).toBe(42001); // the token's 2 h are long gone
    const { access_token: fresh } = await getToken(fake);
    expect((await sendText(fake, fresh!, 'o_fay', 'late')).errcode).toBe(45015);
    await fake.unfollow('o_fay');
    expect((await sendText(fake, fresh!, 'o_fay', 'gone')).errcode).toBe(43004);
  });

  it('validates menus like WeChat: a 4th top-level button is 40016', async () => {
    const { fake } = await setup();
    const { access_token: t } = await getToken(fake);
    expect((await api(fake, '/cgi-bin/menu/get', t!)).errcode).toBe(46003);
    const click = (name: string) => ({ type: 'click', name, key: name });
    const four = { button: [click('a'), click('b'), click('c'), click('d')] };
    expect((await api(fake, '/cgi-bin/menu/create', t!, four)).errcode).toBe(40016);
    const longName = { button: [click('投诉报修投诉报修投诉')] };
    expect((await api(fake, '/cgi-bin/menu/create', t!, longName)).errcode).toBe(40018);
    const ftp = { button: [{ type: 'view', name: 'x', url: 'ftp://x' }] };
    expect((await api(fake, '/cgi-bin/menu/create', t!, ftp)).errcode).toBe(40055);
    const six = { button: [{ name: 'more', sub_button: [1, 2, 3, 4, 5, 6].map((i) => click(`s${i}`)) }] };
    expect((await api(fake, '/cgi-bin/menu/create', t!, six)).errcode).toBe(40023);
    const good = {
      button: [
        click('投诉'),
        { name: '更多', sub_button: [{ type: 'view', name: '官网', url: 'https://x.cn' }] },
      ],
    };
    expect((await api(fake, '/cgi-bin/menu/create', t!, good)).errcode).toBe(0);
    expect(await api(fake, '/cgi-bin/menu/get', t!)).toEqual({ menu: good });
    expect(fake.menu).toEqual(good);
  });

  it('sends a subscribe message only once per grant (43101 otherwise)', async () => {
    const { fake } = await setup();
    const { access_token: t } = await getToken(fake);
    await fake.follow('o_gus');
    const msg = { touser: 'o_gus', template_id: 'TPL1', data: { thing1: { value: '停水通知' } } };
    expect((await api(fake, '/cgi-bin/message/subscribe/bizsend', t!, msg)).errcode).toBe(43101);
    fake.grantSubscription('o_gus', 'TPL1');
    expect((await api(fake, '/cgi-bin/message/subscribe/bizsend', t!, msg)).errcode).toBe(0);
    expect((await api(fake, '/cgi-bin/message/subscribe/bizsend', t!, msg)).errcode).toBe(43101);
    expect(fake.messagesTo('o_gus')).toMatchObject([
      { msgtype: 'subscribe', templateId: 'TPL1', data: msg.data },
    ]);
  });

  it('uploads images, sends them, serves users’ pictures, and refuses non-images', async () => {
    const { fake, product } = await setup();
    const { access_token: t } = await getToken(fake);
    const upload = async (bytes: Buffer) => {
      const form = new FormData();
      form.append('media', new Blob([bytes]), 'chart.png');
      const r = await fetch(`${fake.apiRoot}/cgi-bin/media/upload?access_token=${t}&type=image`, {
        method: 'POST',
        body: form,
      });
      return (await r.json()) as { media_id?: string; type?: string; errcode?: number };
    };
    expect((await upload(Buffer.from('GIF89a not allowed'))).errcode).toBe(40005);
    const { media_id, type } = await upload(PNG);
    expect(type).toBe('image');
    await fake.follow('o_hal');
    const sent = await api(fake, '/cgi-bin/message/custom/send', t!, {
      touser: 'o_hal',
      msgtype: 'image',
      image: { media_id },
    });
    expect(sent.errcode).toBe(0);
    expect(fake.messagesTo('o_hal')[0]!.image?.equals(PNG)).toBe(true);
    const bad = { touser: 'o_hal', msgtype: 'image', image: { media_id: 'nope' } };
    expect((await api(fake, '/cgi-bin/message/custom/send', t!, bad)).errcode).toBe(40007);

    await fake.sendImage('o_hal', PNG);
    const pushed = product.received.at(-1)!.fields;
    expect(pushed.MsgType).toBe('image');
    expect(Buffer.from(await (await fetch(pushed.PicUrl!)).arrayBuffer()).equals(PNG)).toBe(true);
    const got = await fetch(`${fake.apiRoot}/cgi-bin/media/get?access_token=${t}&media_id=${pushed.MediaId}`);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('injects faults: failNext with a status or an errcode, then back to normal', async () => {
    const { fake } = await setup();
    fake.failNext('/cgi-bin/token', { status: 503 });
    fake.rateLimit('cgi-bin/token');
    expect((await fetch(`${fake.apiRoot}/cgi-bin/token`)).status).toBe(503);
    expect((await getToken(fake)).errcode).toBe(45009);
    expect((await getToken(fake)).access_token).toBeTruthy();
    expect(fake.tokenFetches).toBe(3);
    expect(fake.calls.map((c) => [c.status, c.errcode])).toEqual([
      [503, undefined],
      [200, 45009],
      [200, 0],
    ]);
  });
});
