import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { encrypt, sign } from './crypto.js';
import { exchange } from './http-client.js';
import { readPassiveReply } from './passive-reply.js';
import type { FakeState } from './state.js';
import type { PushOutcome } from './types.js';
import { buildXml, type XmlFields } from './xml.js';

/**
 * The users' side: what WeChat POSTs to the product's server URL when a follower acts.
 * Each try waits at most replyTimeoutMs; a timeout or a non-200 answer is tried again, 3 tries in
 * all, with the same body and fresh timestamp / nonce / signatures. Times come from the fake's clock.
 */
const MAX_TRIES = 3;

let msgSeq = 7_000_000_000_000_000_000n + BigInt(randomInt(0, 2 ** 40)) * 1000n;
/** a fresh 64-bit-ish MsgId */
export function nextMsgId(): bigint {
  msgSeq += BigInt(randomInt(1, 1000));
  return msgSeq;
}

const nonce = () => String(randomInt(100_000_000, 2_000_000_000));

function webhook(state: FakeState): URL {
  if (!state.webhookUrl) {
    throw new Error('the fake Official Account has no webhookUrl: pass it at start or call setWebhookUrl');
  }
  return new URL(state.webhookUrl);
}

/** throws unless the user follows: WeChat pushes nothing for others (a bug in the test) */
export function requireFollower(state: FakeState, openid: string): void {
  if (!state.users.get(openid)?.following) {
    throw new Error(`${openid} does not follow the account: call follow('${openid}') first`);
  }
}

/** sends one event or message from `openid`; `fields` follow FromUserName/CreateTime in the XML */
export async function push(state: FakeState, openid: string, fields: XmlFields): Promise<PushOutcome> {
  const target = webhook(state);
  const { token, aesKey, appId, originalId, replyTimeoutMs, retryDelayMs } = state.opts;
  const xml = buildXml({
    ToUserName: originalId,
    FromUserName: openid,
    CreateTime: Math.floor(state.clock() / 1000),
    ...fields,
  });
  const encrypted = aesKey ? encrypt(aesKey, appId, xml) : undefined;
  const body = encrypted === undefined ? xml : buildXml({ ToUserName: originalId, Encrypt: encrypted });
  let last = { status: 0, body: '' };
  let tries = 0;
  while (tries < MAX_TRIES) {
    if (tries > 0 && retryDelayMs > 0) await sleep(retryDelayMs);
    tries++;
    const url = new URL(target);
    const timestamp = String(Math.floor(state.clock() / 1000));
    const n = nonce();
    url.searchParams.set('signature', sign(token, timestamp, n));
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', n);
    url.searchParams.set('openid', openid);
    if (encrypted !== undefined) {
      url.searchParams.set('encrypt_type', 'aes');
      url.searchParams.set('msg_signature', sign(token, timestamp, n, encrypted));
    }
    last = await exchange(url, 'POST', body, replyTimeoutMs);
    if (last.status === 200) break;
  }
  const outcome: PushOutcome = { status: last.status, body: last.body, tries };
  if (last.status !== 200) return outcome;
  const read = readPassiveReply(state, openid, last.body);
  if (read.kind === 'error') {
    state.errors.push(read.error);
    outcome.error = read.error;
  } else if (read.kind === 'reply') {
    outcome.passiveReply = read.reply;
    // an unsubscribed user receives nothing
    if (fields.Event !== 'unsubscribe') state.record({ ...read.message, at: new Date(state.clock()) });
  }
  return outcome;
}

/** WeChat's check when the server URL is saved: GET with echostr, which must come back as the body */
export async function verifyServerUrl(
  state: FakeState,
): Promise<{ status: number; body: string; ok: boolean }> {
  const url = webhook(state);
  const timestamp = String(Math.floor(state.clock() / 1000));
  const n = nonce();
  const echostr = String(randomInt(1, 2 ** 47)) + randomBytes(3).readUIntBE(0, 3);
  url.searchParams.set('signature', sign(state.opts.token, timestamp, n));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', n);
  url.searchParams.set('echostr', echostr);
  const { status, body } = await exchange(url, 'GET', undefined, state.opts.replyTimeoutMs);
  return { status, body, ok: status === 200 && body === echostr };
}
