import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp } from '../../support/app.js';
import { engines } from '../../support/env.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An .xlsx whose first sheet holds `rows` (a second sheet, never read, says otherwise). */
async function xlsx(rows: (string | number | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('业主名册').addRows(rows);
  wb.addWorksheet('说明').addRows([['building'], ['不是这张表']]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

type Listed = {
  building: string;
  unit: string;
  room: string;
  area: string;
  owners: { name: string; voter: boolean }[];
};

describe.each(engines())('unit import file formats on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  const count = async () =>
    Number((await t.db.query<{ n: number }>('SELECT count(*) AS n FROM linli.units')).rows[0]?.n);
  const post = (body: Buffer | string, contentType: string) =>
    t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body,
      headers: { 'content-type': contentType },
    });
  const listed = async (building: string): Promise<Listed[]> => {
    const r = await t.call({
      method: 'GET',
      url: `/api/v1/orgs/${tree.compoundA}/units?building=${encodeURIComponent(building)}`,
    });
    expect(r.status).toBe(200);
    return r.body.items;
  };
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
  });
  afterAll(() => t.close());

  it('decodes a GBK CSV as Excel on Chinese Windows saves it (no charset given)', async () => {
    const text =
      '楼栋,单元,房号,专有面积,业主姓名,业主电话,投票人\r\n' +
      '7栋,2单元,301室,89.50,欧阳娜娜,13900000071,\r\n' +
      '7栋,2单元,302室,101.25,诸葛亮,,\r\n' +
      '7栋,2单元,302室,101.25,黄月英,,是\r\n';
    const bytes = iconv.encode(text, 'gbk');
    // the point of the test: these bytes are not UTF-8
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const r = await post(bytes, 'text/csv');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ units: 2, unitsCreated: 2, ownerLinks: 3 });
    const units = await listed('7栋');
    expect(units.map((u) => [u.building, u.unit, u.room, u.area])).toEqual([
      ['7栋', '2单元', '301室', '89.50'],
      ['7栋', '2单元', '302室', '101.25'],
    ]);
    expect(units[0]!.owners).toEqual([expect.objectContaining({ name: '欧阳娜娜', voter: true })]);
    expect(units[1]!.owners).toEqual([
      expect.objectContaining({ name: '诸葛亮', voter: false }),
      expect.objectContaining({ name: '黄月英', voter: true }),
    ]);
  });

  it('reads GB18030-only characters (outside GBK, one beyond the BMP) in owner names', async () => {
    const text = 'building,unit,room,area,owner_name\n8栋,1单元,101,66.6,王㐂\n8栋,1单元,102,70,李𠀀\n';
    expect(iconv.encode('㐂𠀀', 'gbk').includes(0x3f)).toBe(true); // GBK has neither: '?'
    const r = await post(iconv.encode(text, 'gb18030'), 'text/csv; charset=GB18030');
    expect(r.status).toBe(200);
    const names = (await listed('8栋')).map((u) => u.owners[0]?.name);
    expect(names).toEqual(['王㐂', '李𠀀']);
  });

  it('takes UTF-8 with a BOM (Excel\'s "CSV UTF-8") without the BOM in the first column', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('building,unit,room,area,owner_name\n9栋,1单元,101,50,钱多多\n'),
    ]);
    const r = await post(bytes, 'text/csv');
    expect(r.status).toBe(200);
    const [unit] = await listed('9栋');
    expect(unit).toMatchObject({ building: '9栋', owners: [expect.objectContaining({ name: '钱多多' })] });
  });

  it('imports an .xlsx: first sheet, title row, Chinese headers, numeric cells, merged building cells', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名册');
    ws.addRows([
      ['幸福里小区业主名册'],
      ['楼栋', '单元', '房号', '面积', '姓名', '手机', '投票人'],
      ['10栋', '1单元', 101, 88.5, '司马光', 13900000101, null],
      [null, '1单元', 102, 92, '上官婉儿', null, null],
    ]);
    ws.mergeCells('A1:G1');
    ws.mergeCells('A3:A4');
    wb.addWorksheet('说明').addRows([['不读这张表']]);
    const r = await post(Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ units: 2, unitsCreated: 2 });
    const units = await listed('10栋');
    expect(units.map((u) => [u.room, u.area, u.owners[0]?.name])).toEqual([
      ['101', '88.50', '司马光'],
      ['102', '92.00', '上官婉儿'],
    ]);
  });

  it('takes an .xlsx sent as application/octet-stream', async () => {
    const body = await xlsx([
      ['building', 'unit', 'room', 'area', 'owner_name'],
      ['11栋', '1单元', '101', '60', '东方朔'],
    ]);
    const r = await post(body, 'application/octet-stream');
    expect(r.status).toBe(200);
    expect((await listed('11栋'))[0]?.owners[0]?.name).toBe('东方朔');
  });

  it('refuses bytes that decode in neither encoding, naming the problem, writing nothing', async () => {
    const before = await count();
    // a valid header, then bytes no GB18030 or UTF-8 sequence takes (0xFF is neither's lead byte)
    const garbage = Buffer.concat([
      Buffer.from('building,unit,room,area,owner_name\n12栋,1单元,101,50,'),
      Buffer.from([0xff, 0xfe, 0x80, 0xff, 0x0a]),
    ]);
    const r = await post(garbage, 'text/csv');
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      { row: 2, field: 'encoding', message: expect.stringMatching(/neither UTF-8 .* nor GB18030\/GBK/) },
    ]);
    expect(r.body.error.details[0].message).toMatch(/row 2, column 5/);
    expect(r.body.error.message).toMatch(/encoding/);
    // random binary (with control bytes), larger than the app's 64 KiB test limit: a 400, not a 413
    const binary = Buffer.alloc(100 * 1024);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919 + 13) % 251;
    const bin = await post(binary, 'application/octet-stream');
    expect(bin.status).toBe(400);
    expect(bin.body.error.details[0]).toMatchObject({ field: 'encoding' });
    expect(await count()).toBe(before);
  });

  it('refuses a declared charset the bytes do not match, and U+FFFD in the text', async () => {
    const gbk = iconv.encode('building,unit,room,area,owner_name\n13栋,1单元,101,50,张三\n', 'gbk');
    const declared = await post(gbk, 'text/csv; charset=utf-8');
    expect(declared.status).toBe(400);
    expect(declared.body.error.details[0]).toMatchObject({ row: 2, field: 'encoding' });
    expect(declared.body.error.details[0].message).toMatch(
      /bytes that do not decode as UTF-8 at row 2, column 1/,
    );
    const lost = await post('building,unit,room,area,owner_name\n13栋,1单元,101,50,张\ufffd\n', 'text/csv');
    expect(lost.status).toBe(400);
    expect(lost.body.error.details[0]).toMatchObject({
      row: 2,
      field: 'encoding',
      message: expect.stringMatching(/U\+FFFD .* at row 2, column 5/),
    });
    expect(await listed('13栋')).toEqual([]);
  });

  it('refuses an .xlsx without the expected headers, and a non-xlsx sent as one', async () => {
    const before = await count();
    const wrong = await xlsx([
      ['楼', '单元', '房号', '建筑面积', '业主姓名'],
      ['14栋', '1单元', '101', '60', '赵云'],
    ]);
    const r = await post(wrong, XLSX);
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual(
      expect.arrayContaining([
        { row: 1, field: 'building', message: 'missing column' },
        { row: 1, field: 'area', message: 'missing column' },
        { row: 1, field: '建筑面积', message: expect.stringMatching(/^unknown column/) },
      ]),
    );
    const notXlsx = await post(Buffer.from('building,unit\n'), XLSX);
    expect(notXlsx.status).toBe(400);
    expect(notXlsx.body.error.details).toEqual([
      { field: 'xlsx', message: expect.stringMatching(/not an \.xlsx/) },
    ]);
    const brokenZip = await post(
      Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64, 1)]),
      XLSX,
    );
    expect(brokenZip.status).toBe(400);
    expect(brokenZip.body.error.details[0]).toMatchObject({ field: 'xlsx' });
    expect(await count()).toBe(before);
  });

  it('still takes JSON, and CSV typed as a string, on the same route', async () => {
    const json = await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/units`,
      body: [{ building: '15栋', unit: '1', room: '1', area: '40', owners: [{ name: '诸葛瑾' }] }],
    });
    expect(json.status).toBe(200);
    const text = await post('building,unit,room,area\n15栋,1,2,41\n', 'text/plain; charset=utf-8');
    expect(text.status).toBe(200);
    expect((await listed('15栋')).map((u) => u.room)).toEqual(['1', '2']);
  });
});
