import { afterEach, describe, expect, it, vi } from 'vitest';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

// the first test of a worker builds the migrated PGlite image: slow on a busy machine
vi.setConfig({ testTimeout: 120_000 });

describe.each(engines())('reminders API on %s', (engine) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  async function setup() {
    t = await startTestApp(engine);
    const tree = await seedTree(t);
    const person = await t.call({
      method: 'POST',
      url: '/api/v1/people',
      body: { name: '党员甲', orgId: tree.compoundA },
    });
    await t.call({
      method: 'POST',
      url: `/api/v1/people/${person.body.id}/identities`,
      body: { channel: 'telegram', externalId: '4242' },
    });
    await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/roles`,
      body: { personId: person.body.id, role: 'party_member' },
    });
    await t.call({
      method: 'POST',
      url: `/api/v1/orgs/${tree.compoundA}/chats`,
      body: { channel: 'telegram', externalChatId: '-1001', purpose: 'residents' },
    });
    return { tree, personId: person.body.id as number };
  }

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  const fieldOf = (r: { status: number; body: any }) => {
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    return r.body.error.details.map((d: { field?: string }) => d.field);
  };

  it('4xx naming the field: impossible cron or rrule, a past time, an audience with nobody, an unknown variable', async () => {
    const { tree, personId } = await setup();
    const base = {
      orgId: tree.community,
      audience: { kind: 'role', orgId: tree.community, role: 'party_member' },
      text: '{org} 联席会议 {date} {time}',
      schedule: { rrule: 'FREQ=MONTHLY;BYDAY=1MO;BYHOUR=19;BYMINUTE=30' },
    };
    const post = (body: object) => t.call({ method: 'POST', url: '/api/v1/reminders', body });
    expect(fieldOf(await post({ ...base, schedule: { cron: '0 0 30 2 *' } }))).toContain('schedule.cron');
    expect(fieldOf(await post({ ...base, schedule: { rrule: 'FREQ=NEVER' } }))).toContain('schedule.rrule');
    expect(
      fieldOf(await post({ ...base, schedule: { rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' } })),
    ).toContain('schedule');
    expect(fieldOf(await post({ ...base, schedule: { at: '2020-01-01T09:00:00+08:00' } }))).toContain(
      'schedule.at',
    );
    expect(fieldOf(await post({ ...base, schedule: { cron: '0 9 * * *', tz: 'Nowhere/City' } }))).toContain(
      'schedule.tz',
    );
    expect(fieldOf(await post({ ...base, text: '请到 {place} 开会' }))).toContain('text');
    expect(
      fieldOf(
        await post({ ...base, audience: { kind: 'role', orgId: tree.community, role: 'committee_member' } }),
      ),
    ).toContain('audience.role');
    expect(fieldOf(await post({ ...base, audience: { kind: 'group', orgId: tree.compoundB } }))).toContain(
      'audience',
    );
    // an unknown person is answered like one outside the token's subtree: 404 naming the position
    const unknown = await post({ ...base, audience: { kind: 'people', personIds: [personId, 999999] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'audience.personIds.1',
    ]);
    expect(
      fieldOf(
        await post({
          ...base,
          audience: { kind: 'group', orgId: tree.compoundA },
          ack: { followUpAfterHours: 2 },
        }),
      ),
    ).toContain('ack.followUpAfterHours');
    // nothing was written
    expect((await t.call({ method: 'GET', url: '/api/v1/reminders' })).body.items).toEqual([]);
  });

  it('create, preview, list, pause, resume, delete; another compound’s token sees nothing', async () => {
    const { tree } = await setup();
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/reminders',
      body: {
        orgId: tree.compoundA,
        audience: { kind: 'group', orgId: tree.compoundA },
        text: '{org}：本月物业费请于{date}前缴纳',
        schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=10;BYMINUTE=0' },
        skipHolidays: 'previous',
        ack: {},
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      status: 'active',
      skipHolidays: 'previous',
      ack: { followUpAfterHours: null },
    });
    // the series' start is pinned at creation, so later calculations give the same series
    expect(created.body.schedule.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    const id = created.body.id;
    const preview = await t.call({ method: 'GET', url: `/api/v1/reminders/${id}/next?count=5` });
    expect(preview.status).toBe(200);
    expect(preview.body.items).toHaveLength(5);
    expect(preview.body.items[0].at).toBe(created.body.nextAt);
    const times = preview.body.items.map((i: { at: string }) => Date.parse(i.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const i of preview.body.items) expect(i.local.endsWith('10:00')).toBe(true);

    const other = await tokenFor(t, tree.compoundB, 'admin');
    expect((await t.call({ method: 'GET', url: `/api/v1/reminders/${id}`, token: other })).status).toBe(404);
    expect((await t.call({ method: 'GET', url: '/api/v1/reminders', token: other })).body.items).toEqual([]);
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    expect(
      (
        await t.call({
          method: 'PATCH',
          url: `/api/v1/reminders/${id}`,
          token: viewer,
          body: { status: 'paused' },
        })
      ).status,
    ).toBe(403);
    const mine = await tokenFor(t, tree.compoundA, 'admin');
    expect((await t.call({ method: 'GET', url: '/api/v1/reminders', token: mine })).body.items).toHaveLength(
      1,
    );

    const paused = await t.call({
      method: 'PATCH',
      url: `/api/v1/reminders/${id}`,
      body: { status: 'paused' },
    });
    expect(paused.body).toMatchObject({ status: 'paused', nextAt: null });
    const resumed = await t.call({
      method: 'PATCH',
      url: `/api/v1/reminders/${id}`,
      body: { status: 'active' },
    });
    expect(resumed.body).toMatchObject({ status: 'active', nextAt: created.body.nextAt });
    expect((await t.call({ method: 'DELETE', url: `/api/v1/reminders/${id}` })).status).toBe(204);
    expect((await t.call({ method: 'GET', url: `/api/v1/reminders/${id}` })).status).toBe(404);
    expect((await t.call({ method: 'GET', url: '/api/v1/reminders' })).body.items).toEqual([]);
    const audit = await t.call({ method: 'GET', url: '/api/v1/audit?objectType=reminder' });
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual([
      'reminder.create',
      'reminder.delete',
      'reminder.pause',
      'reminder.resume',
    ]);
  });
});
