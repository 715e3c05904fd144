import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe.each(engines())('Open311 GeoReport v2 on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  let keyA: string;
  let keyB: string;
  let viewerA: string;
  let community: string;

  const get = (url: string) => t.call({ method: 'GET', url, token: null });
  const post = (fields: Record<string, string>) =>
    t.call({
      method: 'POST',
      url: '/open311/v2/requests.json',
      token: null,
      headers: FORM,
      body: new URLSearchParams(fields).toString(),
    });

  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    keyA = await tokenFor(t, tree.compoundA, 'admin');
    keyB = await tokenFor(t, tree.compoundB, 'admin');
    viewerA = await tokenFor(t, tree.compoundA, 'viewer');
    community = await tokenFor(t, tree.community, 'admin');
  });
  afterAll(() => t.close());

  it('serves discovery (no key), the services and a service definition', async () => {
    const d = await get('/open311/v2/discovery.json');
    expect(d.status).toBe(200);
    expect(d.body.endpoints[0]).toMatchObject({
      specification: 'http://wiki.open311.org/GeoReport_v2',
      type: 'production',
      formats: ['application/json'],
    });
    expect(d.body.endpoints[0].url).toMatch(/\/open311\/v2$/);

    const s = await get(`/open311/v2/services.json?api_key=${keyA}`);
    expect(s.status).toBe(200);
    expect(s.body).toContainEqual({
      service_code: 'parking',
      service_name: '停车',
      description: 'Parking',
      metadata: false,
      type: 'realtime',
      keywords: '停车,Parking',
      group: '安全秩序',
    });
    const def = await get(`/open311/v2/services/parking.json?api_key=${keyA}`);
    expect(def.body).toEqual({ service_code: 'parking', attributes: [] });
    const unknown = await get(`/open311/v2/services/nope.json?api_key=${keyA}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual([{ code: 404, description: expect.stringContaining('nope') }]);
  });

  it('files a request, shows it open with its agency and deadline, then closed once resolved', async () => {
    const created = await post({
      api_key: keyA,
      service_code: 'parking',
      description: '消防通道被占',
      address_string: '甲小区 3栋2单元501',
      first_name: '三',
      last_name: '张',
      phone: '13800000000',
      email: 'zhang@example.com',
      media_url: 'https://example.com/p.jpg',
    });
    expect(created.status).toBe(200);
    expect(created.body).toHaveLength(1);
    const id = created.body[0].service_request_id as string;
    expect(id).toMatch(/^\d+$/);
    expect(created.body[0].service_notice).toMatch(/^报事编号 \d{8}-\d{4}$/);
    expect(created.body[0].account_id).toBeNull();

    // nothing personal kept; the filing token is on the timeline
    const { rows } = await t.db.query<Record<string, unknown>>(
      'SELECT * FROM linli.complaints WHERE id = $1',
      [Number(id)],
    );
    const row = rows[0]!;
    expect(row).toMatchObject({
      org_id: tree.compoundA,
      reporter_id: null,
      category: 'parking',
      description: '消防通道被占',
      building: '3栋',
      unit_no: '2单元',
      room: '501',
      photos: ['https://example.com/p.jpg'],
      channel: 'open311',
    });
    expect(JSON.stringify(row)).not.toMatch(/13800000000|zhang@|张/);
    const { rows: events } = await t.db.query<{ actor_label: string; actor_token_id: number | null }>(
      'SELECT actor_label, actor_token_id FROM linli.complaint_events WHERE complaint_id = $1',
      [Number(id)],
    );
    expect(events[0]?.actor_label).toMatch(/^open311: /);
    expect(events[0]?.actor_token_id).not.toBeNull();

    const open = await get(`/open311/v2/requests/${id}.json?api_key=${keyA}`);
    expect(open.status).toBe(200);
    expect(open.body).toHaveLength(1);
    expect(open.body[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      status_notes: null,
      service_code: 'parking',
      service_name: '停车',
      description: '消防通道被占',
      agency_responsible: '甲小区',
      address: '甲小区 3栋2单元501',
      address_id: String(tree.compoundA),
      media_url: 'https://example.com/p.jpg',
    });
    expect(open.body[0].expected_datetime).toBe((row.ack_due_at as Date).toISOString());
    expect(Date.parse(open.body[0].requested_datetime)).not.toBeNaN();

    const act = (action: string, note?: string) =>
      t.call({ method: 'POST', url: `/api/v1/complaints/${id}/actions`, body: { action, note } });
    expect((await act('accept')).status).toBe(200);
    const accepted = await get(`/open311/v2/requests/${id}.json?api_key=${keyA}`);
    expect(accepted.body[0].status).toBe('open');
    expect(accepted.body[0].expected_datetime).toBe((row.resolve_due_at as Date).toISOString());
    expect((await act('resolve', '已挪车，通道畅通')).status).toBe(200);
    const closed = await get(`/open311/v2/requests/${id}.json?api_key=${keyA}`);
    expect(closed.body[0]).toMatchObject({
      status: 'closed',
      status_notes: '已挪车，通道畅通',
      expected_datetime: null,
    });

    const byStatus = async (status: string) =>
      (await get(`/open311/v2/requests.json?api_key=${keyA}&status=${status}`)).body.map(
        (r: { service_request_id: string }) => r.service_request_id,
      );
    expect(await byStatus('closed')).toContain(id);
    expect(await byStatus('open')).not.toContain(id);
    const byIds = await get(`/open311/v2/requests.json?api_key=${keyA}&service_request_id=${id},999999`);
    expect(byIds.body.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([id]);
    const old = await get(
      `/open311/v2/requests.json?api_key=${keyA}&start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z`,
    );
    expect(old.body).toEqual([]);

    // another compound's key neither sees it nor lists it
    expect((await get(`/open311/v2/requests/${id}.json?api_key=${keyB}`)).status).toBe(404);
    expect((await get(`/open311/v2/requests.json?api_key=${keyB}`)).body).toEqual([]);
    // a viewer key reads
    expect((await get(`/open311/v2/requests/${id}.json?api_key=${viewerA}`)).status).toBe(200);
  });

  it('locates the compound by name or id for a key above compounds; a compound key may omit it', async () => {
    const byName = await post({
      api_key: community,
      service_code: 'noise',
      description: '夜间施工',
      address_string: '乙小区 5号楼1单元1201室',
    });
    expect(byName.status).toBe(200);
    const r1 = await get(
      `/open311/v2/requests/${byName.body[0].service_request_id}.json?api_key=${community}`,
    );
    // the address is kept in its canonical spelling (src/flows/address.ts)
    expect(r1.body[0]).toMatchObject({ address: '乙小区 5栋1单元1201', agency_responsible: '乙小区' });

    const byId = await post({
      api_key: community,
      service_code: 'noise',
      description: '广场舞',
      address_id: String(tree.compoundA),
    });
    expect(byId.status).toBe(200);
    const r2 = await get(`/open311/v2/requests/${byId.body[0].service_request_id}.json?api_key=${community}`);
    expect(r2.body[0].address).toBe('甲小区');

    const own = await t.call({
      method: 'POST',
      url: '/open311/v2/requests.json',
      token: null,
      body: { api_key: keyA, service_code: 'sanitation', description: '垃圾满溢', address_string: '东门' },
    });
    expect(own.status).toBe(200);
    const r3 = await get(`/open311/v2/requests/${own.body[0].service_request_id}.json?api_key=${keyA}`);
    expect(r3.body[0]).toMatchObject({ address: '甲小区', description: '垃圾满溢\n地点：东门' });

    const nowhere = await post({
      api_key: community,
      service_code: 'noise',
      description: 'x',
      address_string: '丙小区 1栋1单元101',
    });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body[0].description).toMatch(/^address_string/);
    const foreign = await post({
      api_key: keyB,
      service_code: 'noise',
      description: 'x',
      address_id: String(tree.compoundA),
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body[0].description).toMatch(/^address_id/);
  });

  it('answers errors in the spec’s form with the right status', async () => {
    const missing = await post({ api_key: keyA, description: '没有类别', address_string: '甲小区' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual([{ code: 400, description: 'service_code is required' }]);
    const noDescription = await post({ api_key: keyA, service_code: 'parking' });
    expect(noDescription.body).toEqual([{ code: 400, description: 'description is required' }]);
    const badCode = await post({ api_key: keyA, service_code: 'potholes', description: 'x' });
    expect(badCode.status).toBe(400);
    expect(badCode.body[0].description).toMatch(/^service_code/);
    const badMedia = await post({
      api_key: keyA,
      service_code: 'parking',
      description: 'x',
      media_url: 'ftp://x',
    });
    expect(badMedia.body[0].description).toMatch(/^media_url/);

    const badKey = await post({ api_key: 'lnl_nope', service_code: 'parking', description: 'x' });
    expect(badKey.status).toBe(403);
    expect(badKey.body).toEqual([{ code: 403, description: 'api_key is invalid or revoked' }]);
    const noKey = await post({ service_code: 'parking', description: 'x' });
    expect(noKey.body).toEqual([{ code: 403, description: 'api_key is required' }]);
    expect((await get('/open311/v2/services.json')).status).toBe(403);
    expect((await get('/open311/v2/requests.json?api_key=bad')).status).toBe(403);
    // a bearer token is not an api_key
    expect((await t.call({ method: 'GET', url: '/open311/v2/requests.json' })).status).toBe(403);
    const viewer = await post({ api_key: viewerA, service_code: 'parking', description: 'x' });
    expect(viewer.status).toBe(403);

    const unknown = await get(`/open311/v2/requests/999999.json?api_key=${keyA}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual([{ code: 404, description: expect.stringContaining('999999') }]);
    expect((await get(`/open311/v2/requests/abc.json?api_key=${keyA}`)).status).toBe(404);
    const xml = await get(`/open311/v2/requests.xml?api_key=${keyA}`);
    expect(xml.status).toBe(404);
    expect(xml.body[0].code).toBe(404);

    const badDate = await get(`/open311/v2/requests.json?api_key=${keyA}&start_date=yesterday`);
    expect(badDate.status).toBe(400);
    expect(badDate.body[0].description).toMatch(/^start_date/);
    const badStatus = await get(`/open311/v2/requests.json?api_key=${keyA}&status=pending`);
    expect(badStatus.body[0]).toMatchObject({ code: 400, description: expect.stringMatching(/^status/) });
    const badIds = await get(`/open311/v2/requests.json?api_key=${keyA}&service_request_id=1,x`);
    expect(badIds.body[0].description).toMatch(/^service_request_id/);
    const twice = await t.call({
      method: 'POST',
      url: '/open311/v2/requests.json',
      token: null,
      headers: FORM,
      body: `api_key=${keyA}&service_code=parking&service_code=noise&description=x`,
    });
    expect(twice.status).toBe(400);
    expect(twice.body[0].description).toMatch(/^service_code/);
  });
});
