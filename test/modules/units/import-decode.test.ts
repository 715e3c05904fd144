import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeCsvBytes } from '../../../src/modules/units/import-decode.js';
import { zipOutOfBounds } from '../../../src/modules/units/zip-bounds.js';

const NAMES =
  '张伟王芳李娜刘洋陈静杨勇赵磊黄敏周杰吴霞徐强孙丽马超朱琳胡军郭涛何平高峰林燕罗斌郑欣梁宇谢婷宋鹏唐薇许亮' +
  '韩梅冯刚邓丹曹阳彭飞曾琴萧楠田颖董浩袁媛潘辉于波蒋琪蔡明余兰杜鑫叶青程晨苏畅魏巍吕萌丁蕾任重沈冰姚远卢宁' +
  '姜山崔健钟灵谭雪陆离汪洋范冰金鑫石磊廖凯贾敏夏雨韦东付强方圆白雪邹平孟琳熊伟秦岚邱实江涛尹航薛峰闫妍段誉';

describe('decodeCsvBytes', () => {
  it('reads every short GBK file as GB18030, never as "damaged UTF-8"', () => {
    for (let i = 0; i + 2 <= NAMES.length; i += 2) {
      const text = `building,unit,room,area,owner_name\n1栋,1单元,101,50,${NAMES.slice(i, i + 2)}\n`;
      const r = decodeCsvBytes(iconv.encode(text, 'gbk'));
      expect(r).toEqual({ ok: true, text, encoding: 'GB18030' });
    }
  });

  it('refuses UTF-8 with one bad byte instead of reading it as GB18030 mojibake', () => {
    // names of two characters (6 UTF-8 bytes, 3 GB18030 pairs), then a stray continuation byte
    const bytes = Buffer.concat([
      Buffer.from(`building,unit,room,area,owner_name\nA,1,101,50,${NAMES.slice(0, 40)}\nA,1,102,50,李`),
      Buffer.from([0x80]),
      Buffer.from('\n'),
    ]);
    // as GB18030 these bytes decode without a single bad byte: only the heuristic stands between
    expect(iconv.decode(bytes, 'gb18030')).not.toContain('\ufffd');
    const r = decodeCsvBytes(bytes);
    expect(r).toEqual({
      ok: false,
      error: {
        row: 3,
        field: 'encoding',
        message: 'the file has bytes that do not decode as UTF-8 at row 3, column 5',
      },
    });
  });

  it('lets a declared charset win', () => {
    const text = 'building\n单元\n';
    expect(decodeCsvBytes(iconv.encode(text, 'gbk'), 'GBK')).toMatchObject({ ok: true, text });
    expect(decodeCsvBytes(Buffer.from(text), 'utf-8')).toMatchObject({ ok: true, text });
    expect(decodeCsvBytes(iconv.encode(text, 'gbk'), 'UTF-8')).toMatchObject({
      ok: false,
      error: { row: 2, field: 'encoding' },
    });
    expect(decodeCsvBytes(Buffer.from(text), 'big5')).toMatchObject({
      ok: false,
      error: { field: 'encoding', message: expect.stringMatching(/charset "big5" is not supported/) },
    });
  });

  it('refuses UTF-16, GBK user-defined characters, and control characters', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('building\r\n', 'utf16le')]);
    expect(decodeCsvBytes(utf16)).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/UTF-16/) },
    });
    // 0xAAA1 is the first code of GBK's user-defined area (U+E000 in Unicode's private use area)
    const pua = Buffer.concat([iconv.encode('building\n王', 'gbk'), Buffer.from([0xaa, 0xa1, 0x0a])]);
    expect(decodeCsvBytes(pua)).toMatchObject({
      ok: false,
      error: {
        row: 2,
        field: 'encoding',
        message: expect.stringMatching(/user-defined GBK character \(U\+E000\)/),
      },
    });
    expect(decodeCsvBytes(Buffer.from('building\n\u0001x\n'))).toMatchObject({
      ok: false,
      error: { row: 2, message: expect.stringMatching(/control character U\+0001/) },
    });
  });
});

describe('zipOutOfBounds', () => {
  it('inflates each entry within the budget, whatever sizes the archive declares', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRows(Array.from({ length: 2000 }, (_, i) => ['1栋', '1单元', i, 50, '张伟']));
    const zip = Buffer.from(await wb.xlsx.writeBuffer());
    expect(zipOutOfBounds(zip, { maxEntries: 100, maxBytes: 8 * 1024 * 1024 })).toBeUndefined();
    expect(zipOutOfBounds(zip, { maxEntries: 100, maxBytes: 50_000 })).toMatch(
      /unpacks to more than 50000 bytes/,
    );
    expect(zipOutOfBounds(zip, { maxEntries: 3, maxBytes: 8 * 1024 * 1024 })).toMatch(
      /entries \(at most 3\)/,
    );
    // a bomb understating its sizes: zero every declared uncompressed size in the central directory
    const lying = Buffer.from(zip);
    for (let i = 0; i + 4 <= lying.length; i++)
      if (lying.readUInt32LE(i) === 0x02014b50) lying.writeUInt32LE(0, i + 24);
    expect(zipOutOfBounds(lying, { maxEntries: 100, maxBytes: 50_000 })).toMatch(/unpacks to more than/);
    expect(zipOutOfBounds(Buffer.from('PK\u0003\u0004 not really'), { maxEntries: 9, maxBytes: 9 })).toMatch(
      /not a zip archive/,
    );
  });
});
