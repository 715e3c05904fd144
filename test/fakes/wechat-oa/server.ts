import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api.js';
import { aesKeyBytes } from './crypto.js';
import { nextMsgId, push, requireFollower, verifyServerUrl } from './followers.js';
import { sniffImage } from './multipart.js';
import { FakeState, normalizePath } from './state.js';
import type { FakeOfficialAccount, FakeOfficialAccountOptions, OaMessage } from './types.js';

export type {
  ApiCall,
  FakeOfficialAccount,
  FakeOfficialAccountOptions,
  FaultAnswer,
  OaMessage,
  PushOutcome,
} from './types.js';

/**
 * A fake WeChat Official Account (服务号) platform that speaks the real protocol and refuses what
 * WeChat refuses. It plays both sides: the API the product calls (`apiRoot` + /cgi-bin/…, see
 * api.ts) and the followers, whose messages and events it pushes to the product's server URL
 * (see followers.ts), plain or in safe mode (aesKey). Listens on 127.0.0.1, a random port.
 */
export async function startFakeOfficialAccount(
  opts: FakeOfficialAccountOptions,
): Promise<FakeOfficialAccount> {
  if (opts.aesKey !== undefined) aesKeyBytes(opts.aesKey);
  const state = new FakeState(
    {
      appId: opts.appId,
      appSecret: opts.appSecret,
      token: opts.token,
      originalId: opts.originalId ?? 'gh_fake0000001',
      tokenTtlSec: opts.tokenTtlSec ?? 7200,
      oldTokenGraceMs: opts.oldTokenGraceMs ?? 300_000,
      windowMs: opts.windowMs ?? 48 * 3600_000,
      maxRepliesPerInteraction: opts.maxRepliesPerInteraction ?? 20,
      replyTimeoutMs: opts.replyTimeoutMs ?? 5000,
      retryDelayMs: opts.retryDelayMs ?? 0,
      ...(opts.aesKey !== undefined ? { aesKey: opts.aesKey } : {}),
    },
    opts.now ?? Date.now,
  );
  state.webhookUrl = opts.webhookUrl;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'GET' && path.startsWith('/pic/')) {
      const pic = state.pics.get(path.slice(5));
      if (!pic) {
        res.writeHead(404);
        return void res.end();
      }
      res.writeHead(200, { 'content-type': pic.contentType, 'content-length': pic.bytes.length });
      return void res.end(pic.bytes);
    }
    await handleApi(state, req, res);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** a follower's action: requires following, opens the window, then pushes */
  const act = (openid: string, fields: Parameters<typeof push>[2]) => {
    requireFollower(state, openid);
    state.touch(openid);
    return push(state, openid, fields);
  };

  const failNext: FakeOfficialAccount['failNext'] = (path, answer, times = 1) => {
    const p = normalizePath(path);
    const queue = state.faults.get(p) ?? [];
    queue.push({ answer, remaining: times });
    state.faults.set(p, queue);
  };

  return {
    apiRoot,
    setWebhookUrl(url) {
      state.webhookUrl = url;
    },

    follow(openid, scene) {
      const user = state.users.get(openid);
      if (user) user.following = true;
      else state.users.set(openid, { following: true, lastInteraction: state.clock(), repliesSince: 0 });
      state.touch(openid);
      return push(state, openid, {
        MsgType: 'event',
        Event: 'subscribe',
        EventKey: scene === undefined ? '' : `qrscene_${scene}`,
        ...(scene === undefined ? {} : { Ticket: randomBytes(24).toString('base64url') }),
      });
    },
    unfollow(openid) {
      requireFollower(state, openid);
      state.users.get(openid)!.following = false;
      return push(state, openid, { MsgType: 'event', Event: 'unsubscribe', EventKey: '' });
    },
    scan(openid, scene) {
      return act(openid, {
        MsgType: 'event',
        Event: 'SCAN',
        EventKey: scene,
        Ticket: randomBytes(24).toString('base64url'),
      });
    },
    say(openid, content) {
      return act(openid, { MsgType: 'text', Content: content, MsgId: nextMsgId() });
    },
    sendImage(openid, bytes) {
      requireFollower(state, openid);
      if (!sniffImage(bytes)) throw new Error('sendImage needs JPG or PNG bytes');
      const mediaId = state.storeMedia(bytes);
      const picId = randomBytes(12).toString('hex');
      state.pics.set(picId, state.media.get(mediaId)!);
      return act(openid, {
        MsgType: 'image',
        PicUrl: `${apiRoot}/pic/${picId}`,
        MediaId: mediaId,
        MsgId: nextMsgId(),
      });
    },
    sendLocation(openid, lat, lng, label) {
      return act(openid, {
        MsgType: 'location',
        Location_X: lat,
        Location_Y: lng,
        Scale: 15,
        Label: label,
        MsgId: nextMsgId(),
      });
    },
    click(openid, key) {
      return act(openid, { MsgType: 'event', Event: 'CLICK', EventKey: key });
    },
    view(openid, url) {
      // opening a menu link is no interaction that lets the account write back (WeChat counts
      // messages, follows, scans, CLICK and scancode menu events): the window stays as it was
      requireFollower(state, openid);
      return push(state, openid, { MsgType: 'event', Event: 'VIEW', EventKey: url });
    },
    verifyServerUrl: () => verifyServerUrl(state),
    grantSubscription(openid, templateId) {
      const key = `${openid}\n${templateId}`;
      state.grants.set(key, (state.grants.get(key) ?? 0) + 1);
    },

    failNext,
    rateLimit(path, times = 1) {
      failNext(path, { errcode: 45009, errmsg: 'api freq out of limit' }, times);
    },
    expireTokens() {
      state.tokens.expireAll();
    },
    advance(ms) {
      state.offsetMs += ms;
    },

    messages: state.messages,
    messagesTo: (openid) => state.messages.filter((m) => m.openid === openid),
    waitForMessage(predicate, timeoutMs = 10_000) {
      return new Promise<OaMessage>((resolve, reject) => {
        const found = state.messages.find(predicate);
        if (found) return resolve(found);
        const stop = state.watch(() => {
          const m = state.messages.find(predicate);
          if (!m) return false;
          clearTimeout(timer);
          resolve(m);
          return true;
        });
        const timer = setTimeout(() => {
          stop();
          reject(
            new Error(
              `no WeChat message matched in ${timeoutMs} ms; got: ${JSON.stringify(state.messages, brief)}`,
            ),
          );
        }, timeoutMs);
      });
    },
    get tokenFetches() {
      return state.tokenFetches;
    },
    calls: state.calls,
    get menu() {
      return state.menu;
    },
    sceneOfTicket: (ticket) => state.qrcodes.get(ticket),
    errors: state.errors,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** JSON.stringify replacer: image bytes as their length */
function brief(_key: string, value: unknown): unknown {
  return (value as { type?: unknown })?.type === 'Buffer'
    ? `<${(value as { data: unknown[] }).data.length} bytes>`
    : value;
}
