import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's message crypto for an Official Account's server URL (微信公众平台「消息加解密」):
 * - `signature = sha1(sort([token, timestamp, nonce]).join(''))` on every call (plain and safe
 *   mode); in safe mode `msg_signature` adds the `Encrypt` field as a fourth string;
 * - safe mode: AES-256-CBC, key = base64 of the 43-character EncodingAESKey plus '=', IV = the key's
 *   first 16 bytes, PKCS#7 padding to 32-byte blocks; the plaintext is 16 random bytes, the message
 *   length (4 bytes, big-endian), the message (UTF-8), then the AppID, which must be ours.
 */

export function signature(parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''), 'utf8')
    .digest('hex');
}

/** constant-time comparison of two hex signatures */
export function sameSignature(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given.toLowerCase()), Buffer.from(expected));
}

/** The AES key of an EncodingAESKey; throws when it is not 43 characters of base64. */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey))
    throw new Error('WECHAT_OA_AES_KEY must be the 43-character EncodingAESKey');
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

const BLOCK = 32;

export function encrypt(key: Buffer, appId: string, xml: string): string {
  const body = Buffer.from(xml, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

/** The message inside `encrypted`; throws when it cannot be decrypted or is not for `appId`. */
export function decrypt(key: Buffer, appId: string, encrypted: string): string {
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || pad > padded.length) throw new Error('bad padding');
  const plain = padded.subarray(0, padded.length - pad);
  if (plain.length < 20) throw new Error('too short');
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) throw new Error('bad length');
  const from = plain.subarray(20 + length).toString('utf8');
  if (from !== appId) throw new Error('the message is for another AppID');
  return plain.subarray(20, 20 + length).toString('utf8');
}
