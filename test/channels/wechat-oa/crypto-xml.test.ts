import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aesKeyOf,
  decrypt,
  encrypt,
  sameSignature,
  signature,
} from '../../../src/channels/wechat-oa/crypto.js';
import { buildXml, parseFlatXml } from '../../../src/channels/wechat-oa/xml.js';

const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP = 'wxb11529c136998cb6';

describe('WeChat message crypto', () => {
  it('signs the sorted strings with sha1, as the 公众平台 does', () => {
    const expected = createHash('sha1')
      .update(['1409304348', 'pamtest', 'xxxxxx'].sort().join(''))
      .digest('hex');
    expect(signature(['pamtest', '1409304348', 'xxxxxx'])).toBe(expected);
    expect(sameSignature(expected.toUpperCase(), expected)).toBe(true);
    expect(sameSignature(undefined, expected)).toBe(false);
    expect(sameSignature(signature(['pamtest', '1409304348', 'yyyyyy']), expected)).toBe(false);
  });

  it('encrypts for the AppID and opens only with the same key and AppID', () => {
    const key = aesKeyOf(AES);
    expect(key).toHaveLength(32);
    const xml = '<xml><Content><![CDATA[你好，3栋漏水]]></Content></xml>';
    const sealed = encrypt(key, APP, xml);
    // random prefix: two seals differ, both open
    expect(encrypt(key, APP, xml)).not.toBe(sealed);
    expect(decrypt(key, APP, sealed)).toBe(xml);
    // 32-byte PKCS#7 blocks
    expect(Buffer.from(sealed, 'base64').length % 32).toBe(0);
    expect(() => decrypt(key, 'wx0000000000000000', sealed)).toThrow(/AppID/);
    expect(() => decrypt(aesKeyOf('B'.repeat(43)), APP, sealed)).toThrow();
    expect(() => aesKeyOf('short')).toThrow(/43-character/);
  });
});

describe('the pushed XML', () => {
  it('reads CDATA and plain fields, decodes entities, flattens nested ones, refuses what is not <xml>', () => {
    const f = parseFlatXml(
      `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-abc]]></FromUserName>
       <CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event>
       <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult>a &amp; b &#x4E2D;</ScanResult></ScanCodeInfo></xml>`,
    );
    expect(f).toMatchObject({
      ToUserName: 'gh_1',
      FromUserName: 'o-abc',
      CreateTime: '1700000000',
      Event: 'scancode_push',
      ScanType: 'qrcode',
      ScanResult: 'a & b 中',
    });
    expect(parseFlatXml('{"a":1}')).toBeNull();
    expect(parseFlatXml('<root><a>1</a></root>')).toBeNull();
  });

  it('writes CDATA that survives "]]>" and reads back the same', () => {
    const xml = buildXml({ Content: 'a]]>b <c>', CreateTime: 5 });
    expect(xml).toContain('<CreateTime>5</CreateTime>');
    expect(parseFlatXml(xml)).toEqual({ Content: 'a]]>b <c>', CreateTime: '5' });
  });
});
