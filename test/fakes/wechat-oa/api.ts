import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateMenu } from './menu.js';
import { parseMultipart, sniffImage } from './multipart.js';
import type { FakeState } from './state.js';

/**
 * The API the product calls, under /cgi-bin, answering like WeChat: HTTP 200 with
 * `{errcode, errmsg}` for refusals and for message sends; token, media/upload and menu/get answer
 * their payload without errcode on success, as WeChat does. Queued faults (failNext) come first,
 * then the method, then the access_token, then the endpoint's own checks.
 */
type Json = Record<string, unknown>;

const MAX_UPLOAD = 10 * 1024 * 1024;

const ROUTES: Record<string, { method: 'GET' | 'POST'; run: (s: FakeState, c: Call) => Json }> = {
  '/cgi-bin/message/custom/send': { method: 'POST', run: customSend },
  '/cgi-bin/message/subscribe/bizsend': { method: 'POST', run: bizsend },
  '/cgi-bin/media/upload': { method: 'POST', run: mediaUpload },
  '/cgi-bin/menu/create': { method: 'POST', run: menuCreate },
  '/cgi-bin/menu/get': { method: 'GET', run: menuGet },
  '/cgi-bin/menu/delete': { method: 'GET', run: menuDelete },
  '/cgi-bin/qrcode/create': { method: 'POST', run: qrcodeCreate },
};

interface Call {
  url: URL;
  contentType: string | undefined;
  body: Buffer;
}

const fail = (errcode: number, errmsg: string): Json => ({ errcode, errmsg });
const OK = (): Json => ({ errcode: 0, errmsg: 'ok' });

export async function handleApi(state: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const json = (answer: Json) => {
    state.calls.push({ path, status: 200, errcode: typeof answer.errcode === 'number' ? answer.errcode : 0 });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(answer));
  };

  if (path === '/cgi-bin/token') state.tokenFetches++;
  const fault = state.takeFault(path);
  if (fault) {
    if (fault.status !== undefined && fault.status !== 200) {
      state.calls.push({ path, status: fault.status });
      res.writeHead(fault.status);
      return void res.end();
    }
    return json(
      fail(
        fault.errcode ?? -1,
        fault.errmsg ?? (fault.errcode === 45009 ? 'api freq out of limit' : 'system error'),
      ),
    );
  }

  if (path === '/cgi-bin/token') {
    if (req.method !== 'GET') return json(fail(43001, 'require GET method'));
    return json(token(state, url));
  }
  if (path === '/cgi-bin/media/get') {
    if (req.method !== 'GET') return json(fail(43001, 'require GET method'));
    const check = state.tokens.check(url.searchParams.get('access_token'));
    if (check.errcode !== 0) return json(check);
    const media = state.media.get(url.searchParams.get('media_id') ?? '');
    if (!media) return json(fail(40007, 'invalid media_id'));
    state.calls.push({ path, status: 200 });
    res.writeHead(200, { 'content-type': media.contentType, 'content-length': media.bytes.length });
    return void res.end(media.bytes);
  }
  const route = ROUTES[path];
  if (!route) {
    state.calls.push({ path, status: 404 });
    res.writeHead(404);
    return void res.end();
  }
  if (req.method !== route.method) {
    return json(
      route.method === 'POST' ? fail(43002, 'require POST method') : fail(43001, 'require GET method'),
    );
  }
  const check = state.tokens.check(url.searchParams.get('access_token'));
  if (check.errcode !== 0) return json(check);
  return json(
    route.run(state, { url, contentType: req.headers['content-type'], body: Buffer.concat(chunks) }),
  );
}

function token(state: FakeState, url: URL): Json {
  const q = url.searchParams;
  if (q.get('grant_type') !== 'client_credential') return fail(40002, 'invalid grant_type');
  if (!q.get('appid')) return fail(41002, 'appid missing');
  if (q.get('appid') !== state.opts.appId) return fail(40013, 'invalid appid');
  if (!q.get('secret')) return fail(41004, 'appsecret missing');
  if (q.get('secret') !== state.opts.appSecret) return fail(40125, 'invalid appsecret');
  return { ...state.tokens.issue() };
}

function parseJson(body: Buffer): Json | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

const DATA_FORMAT = fail(47001, 'data format error');

/** customer-service message: refusals in WeChat's order, then recorded and counted */
function customSend(state: FakeState, c: Call): Json {
  const body = parseJson(c.body);
  if (!body) return DATA_FORMAT;
  const openid = typeof body.touser === 'string' ? body.touser : '';
  const user = state.users.get(openid);
  if (!user) return fail(40003, 'invalid openid');
  if (!user.following) return fail(43004, 'require subscribe');
  const now = state.clock();
  if (now - user.lastInteraction > state.opts.windowMs) {
    return fail(45015, 'response out of time limit or subscription is canceled');
  }
  if (user.repliesSince >= state.opts.maxRepliesPerInteraction)
    return fail(45047, 'out of response count limit');
  const msgtype = body.msgtype;
  if (msgtype === 'text') {
    const content = (body.text as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content === '') return fail(44004, 'empty content');
    if (Buffer.byteLength(content, 'utf8') > 2048) return fail(45002, 'content size out of limit');
    user.repliesSince++;
    state.record({ openid, msgtype, text: content, at: new Date(now) });
    return OK();
  }
  if (msgtype === 'image') {
    const mediaId = (body.image as { media_id?: unknown } | undefined)?.media_id;
    const media = typeof mediaId === 'string' ? state.media.get(mediaId) : undefined;
    if (!media || typeof mediaId !== 'string') return fail(40007, 'invalid media_id');
    user.repliesSince++;
    state.record({ openid, msgtype, mediaId, image: media.bytes, at: new Date(now) });
    return OK();
  }
  return fail(40008, 'invalid message type');
}

/** subscribe message: each grantSubscription allows one send */
function bizsend(state: FakeState, c: Call): Json {
  const body = parseJson(c.body);
  if (!body) return DATA_FORMAT;
  const openid = typeof body.touser === 'string' ? body.touser : '';
  if (!state.users.has(openid)) return fail(40003, 'invalid openid');
  const templateId = typeof body.template_id === 'string' ? body.template_id : '';
  if (templateId === '') return fail(40037, 'invalid template_id');
  const data = body.data;
  if (typeof data !== 'object' || data === null) return fail(47003, 'argument invalid! data invalid');
  for (const [key, v] of Object.entries(data)) {
    if (typeof (v as { value?: unknown } | null)?.value !== 'string') {
      return fail(47003, `argument invalid! data.${key}.value invalid`);
    }
  }
  const grantKey = `${openid}\n${templateId}`;
  const left = state.grants.get(grantKey) ?? 0;
  if (left <= 0) return fail(43101, 'user refuse to accept the msg');
  state.grants.set(grantKey, left - 1);
  state.record({
    openid,
    msgtype: 'subscribe',
    templateId,
    data: data as Record<string, { value: string }>,
    ...(typeof body.page === 'string' ? { page: body.page } : {}),
    at: new Date(state.clock()),
  });
  return OK();
}

/** temporary image upload: multipart field `media`, JPG/PNG by magic bytes, ≤ 10 MB */
function mediaUpload(state: FakeState, c: Call): Json {
  if (c.url.searchParams.get('type') !== 'image') return fail(40004, 'invalid media type');
  const parts = parseMultipart(c.contentType, c.body);
  const media = parts?.find((p) => p.name === 'media');
  if (!media || media.data.length === 0) return fail(41005, 'media data missing');
  if (media.data.length > MAX_UPLOAD) return fail(40006, 'invalid meida size');
  if (!sniffImage(media.data)) return fail(40005, 'invalid file type');
  const mediaId = state.storeMedia(Buffer.from(media.data));
  return { type: 'image', media_id: mediaId, created_at: Math.floor(state.clock() / 1000) };
}

function menuCreate(state: FakeState, c: Call): Json {
  const body = parseJson(c.body);
  if (!body) return DATA_FORMAT;
  const refused = validateMenu(body);
  if (refused) return { ...refused };
  state.menu = { button: body.button as unknown[] };
  return OK();
}

/**
 * A parametric QR code: `{action_name, action_info: {scene: {scene_str | scene_id}}, expire_seconds?}`;
 * temporary ones (QR_SCENE, QR_STR_SCENE) last 60 s by default and at most 30 days; a string scene
 * is 1–64 characters. Answers `{ticket, url, expire_seconds?}`; the ticket's scene is what a scan pushes.
 */
function qrcodeCreate(state: FakeState, c: Call): Json {
  const body = parseJson(c.body);
  if (!body) return DATA_FORMAT;
  const action = body.action_name;
  const permanent = action === 'QR_LIMIT_SCENE' || action === 'QR_LIMIT_STR_SCENE';
  if (!permanent && action !== 'QR_SCENE' && action !== 'QR_STR_SCENE')
    return fail(40052, 'invalid action name');
  const scene = ((body.action_info as Json | undefined)?.scene ?? {}) as Json;
  const str = action.endsWith('STR_SCENE');
  const value = str ? scene.scene_str : scene.scene_id;
  if (str ? typeof value !== 'string' || value.length < 1 || value.length > 64 : !Number.isInteger(value))
    return fail(40053, 'invalid action info');
  const expire = permanent ? undefined : Number(body.expire_seconds ?? 60);
  if (expire !== undefined && (!Number.isInteger(expire) || expire < 1 || expire > 2_592_000))
    return fail(40009, 'invalid expire_seconds');
  const ticket = `gQ${Buffer.from(`${state.qrcodes.size}-${String(value)}`).toString('base64url')}`;
  state.qrcodes.set(ticket, String(value));
  return {
    ticket,
    url: `http://weixin.qq.com/q/${ticket.slice(2, 14)}`,
    ...(expire ? { expire_seconds: expire } : {}),
  };
}

function menuGet(state: FakeState): Json {
  if (!state.menu) return fail(46003, 'menu no exist');
  return { menu: { button: state.menu.button } };
}

function menuDelete(state: FakeState): Json {
  state.menu = undefined;
  return OK();
}
