import { decrypt, sign } from './crypto.js';
import type { FakeState } from './state.js';
import type { OaMessage, PushOutcome } from './types.js';
import { parseXml, text } from './xml.js';

/**
 * Reads the product's HTTP 200 answer to a push the way WeChat does: empty or `success` is "no
 * reply"; otherwise an XML passive reply, in safe mode wrapped as `<Encrypt>`, `<MsgSignature>`,
 * `<TimeStamp>`, `<Nonce>` whose signature must verify and whose plaintext must end in the appId.
 * The reply must be addressed to the user (ToUserName) from the account (FromUserName).
 */
export type PassiveResult =
  | { kind: 'none' }
  | { kind: 'reply'; reply: NonNullable<PushOutcome['passiveReply']>; message: Omit<OaMessage, 'at'> }
  | { kind: 'error'; error: string };

const TYPES = new Set(['text', 'image', 'voice', 'video', 'music', 'news']);

export function readPassiveReply(state: FakeState, openid: string, body: string): PassiveResult {
  if (body.trim() === '' || body === 'success') return { kind: 'none' };
  let fields: ReturnType<typeof parseXml>;
  try {
    fields = parseXml(body);
  } catch (e) {
    return {
      kind: 'error',
      error: `unreadable passive reply (${(e as Error).message}): ${body.slice(0, 200)}`,
    };
  }
  const { aesKey, token, appId, originalId } = state.opts;
  if (aesKey) {
    const encrypted = text(fields, 'Encrypt');
    if (encrypted === '') return { kind: 'error', error: 'passive reply not encrypted in safe mode' };
    const expected = sign(token, text(fields, 'TimeStamp'), text(fields, 'Nonce'), encrypted);
    if (text(fields, 'MsgSignature') !== expected) {
      return { kind: 'error', error: 'passive reply MsgSignature does not verify' };
    }
    let inner: { xml: string; appId: string };
    try {
      inner = decrypt(aesKey, encrypted);
    } catch (e) {
      return { kind: 'error', error: `passive reply does not decrypt: ${(e as Error).message}` };
    }
    if (inner.appId !== appId) return { kind: 'error', error: `passive reply for appId ${inner.appId}` };
    try {
      fields = parseXml(inner.xml);
    } catch (e) {
      return { kind: 'error', error: `unreadable decrypted passive reply (${(e as Error).message})` };
    }
  } else if (fields.Encrypt !== undefined) {
    return { kind: 'error', error: 'encrypted passive reply in plain mode' };
  }
  if (text(fields, 'ToUserName') !== openid) {
    return {
      kind: 'error',
      error: `passive reply ToUserName ${text(fields, 'ToUserName')} is not ${openid}`,
    };
  }
  if (text(fields, 'FromUserName') !== originalId) {
    return {
      kind: 'error',
      error: `passive reply FromUserName ${text(fields, 'FromUserName')} is not ${originalId}`,
    };
  }
  const msgType = text(fields, 'MsgType');
  if (!TYPES.has(msgType)) return { kind: 'error', error: `passive reply MsgType ${msgType || '(none)'}` };
  if (msgType === 'text') {
    const content = text(fields, 'Content');
    if (content === '') return { kind: 'error', error: 'passive text reply with empty Content' };
    return {
      kind: 'reply',
      reply: { msgType, content },
      message: { openid, msgtype: msgType, text: content, passive: true },
    };
  }
  if (msgType === 'image') {
    const image = fields.Image;
    const mediaId = typeof image === 'object' ? text(image, 'MediaId') : '';
    const media = state.media.get(mediaId);
    if (!media) return { kind: 'error', error: `passive image reply with unknown MediaId ${mediaId}` };
    return {
      kind: 'reply',
      reply: { msgType, mediaId },
      message: { openid, msgtype: msgType, mediaId, image: media.bytes, passive: true },
    };
  }
  return { kind: 'reply', reply: { msgType }, message: { openid, msgtype: msgType, passive: true } };
}
