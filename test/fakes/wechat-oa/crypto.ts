import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * WeChat's message signatures and its "safe mode" (安全模式) message encryption, written from the
 * spec with node:crypto alone:
 * - `signature = sha1(sort([token, timestamp, nonce]).join(''))`, and in safe mode
 *   `msg_signature = sha1(sort([token, timestamp, nonce, Encrypt]).join(''))`;
 * - `Encrypt = base64(AES-256-CBC(random16 + uint32be(len(xml)) + xml + appId))` with
 *   key = base64decode(EncodingAESKey + '='), iv = key[0..16], PKCS#7 padded to 32-byte blocks.
 */

/** sha1 hex of the parts sorted lexicographically and joined: both `signature` and `msg_signature` */
export function sign(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

const BLOCK = 32;

/** the 32-byte AES key of a 43-character EncodingAESKey; throws on anything else */
export function aesKeyBytes(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new Error('EncodingAESKey must be 43 characters of [A-Za-z0-9+/]');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey does not decode to 32 bytes');
  return key;
}

/** base64 ciphertext of `xml` for `appId`; `random` is the 16-byte prefix (fresh unless given) */
export function encrypt(
  encodingAesKey: string,
  appId: string,
  xml: string,
  random = randomBytes(16),
): string {
  const key = aesKeyBytes(encodingAesKey);
  const body = Buffer.from(xml, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([random, length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString('base64');
}

/** the XML and the appId a ciphertext carries; throws when it is not a well-formed one */
export function decrypt(encodingAesKey: string, encrypted: string): { xml: string; appId: string } {
  const key = aesKeyBytes(encodingAesKey);
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new Error('ciphertext is not whole AES blocks');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = padded[padded.length - 1]!;
  if (pad < 1 || pad > BLOCK || pad > padded.length) throw new Error('bad PKCS#7 padding');
  const plain = padded.subarray(0, padded.length - pad);
  if (plain.length < 20) throw new Error('plaintext too short');
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) throw new Error('XML length beyond the plaintext');
  return {
    xml: plain.subarray(20, 20 + length).toString('utf8'),
    appId: plain.subarray(20 + length).toString('utf8'),
  };
}
