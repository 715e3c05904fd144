import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedBuiltinFlows } from '../../../src/app/builtin-flows.js';
import { insertPerson } from '../../../src/modules/people/repository.js';
import { seedTree, startTestApp, type TestApp, tokenFor } from '../../support/app.js';
import { engines } from '../../support/env.js';

// the first test of a file warms up a fresh database and module graph: slow on a loaded 2-CPU machine
vi.setConfig({ testTimeout: 90_000 });

describe.each(engines())('party members and tasks over HTTP on %s', (engine) => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof seedTree>>;
  let branchId: number;
  let members: { id: number; personId: number }[];
  beforeAll(async () => {
    t = await startTestApp(engine);
    tree = await seedTree(t);
    await seedBuiltinFlows(t.db, t.services.actions);
  });
  afterAll(() => t.close());

  const register = async (name: string, compoundId: number) => {
    const person = await insertPerson(t.db, { name, orgId: compoundId });
    const r = await t.db.transaction((tx) =>
      t.services.party.register(tx, {
        personId: person.id,
        name,
        branchId,
        compoundId,
        commitments: ['all'],
        own: ['照看楼道花草'],
      }),
    );
    return { id: r.member.id, personId: person.id };
  };

  it('manages branches: create, 409 on a taken name, rename, secretary, list, delete refused with members', async () => {
    const secretary = await insertPerson(t.db, { name: '王书记', orgId: tree.community });
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/party-branches',
      body: { orgId: tree.community, name: '区教育局机关党支部', secretaryPersonId: secretary.id },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ secretaryPersonId: secretary.id, secretaryName: '王书记' });
    branchId = created.body.id;
    const dup = await t.call({
      method: 'POST',
      url: '/api/v1/party-branches',
      body: { orgId: tree.community, name: '区教育局机关党支部' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].field).toBe('name');
    const badSecretary = await t.call({
      method: 'PATCH',
      url: `/api/v1/party-branches/${branchId}`,
      body: { secretaryPersonId: 999999 },
    });
    expect(badSecretary.body.error.details[0].field).toBe('secretaryPersonId');
    const renamed = await t.call({
      method: 'PATCH',
      url: `/api/v1/party-branches/${branchId}`,
      body: { name: '区教育局第一党支部' },
    });
    expect(renamed.body).toMatchObject({
      name: '区教育局第一党支部',
      secretaryPersonId: secretary.id,
      secretaryName: '王书记',
    });
    const roles = await t.db.query(
      `SELECT 1 FROM linli.role_assignments WHERE person_id = $1 AND org_id = $2 AND role = 'branch_secretary'`,
      [secretary.id, tree.community],
    );
    expect(roles.rows).toHaveLength(1);
    const list = await t.call({ method: 'GET', url: `/api/v1/party-branches?orgId=${tree.community}` });
    expect(list.body.items.map((b: { id: number }) => b.id)).toEqual([branchId]);
    expect(list.body.items[0].secretaryName).toBe('王书记');
    members = [await register('刘洋', tree.compoundA), await register('陈静', tree.compoundA)];
    const del = await t.call({ method: 'DELETE', url: `/api/v1/party-branches/${branchId}` });
    expect(del.status).toBe(409);
    expect((await t.call({ method: 'GET', url: `/api/v1/party-branches/${branchId}` })).body.members).toEqual(
      {
        pending: 2,
        approved: 0,
        rejected: 0,
      },
    );
  });

  it('approves and rejects registrations within the token’s subtree only', async () => {
    const other = await tokenFor(t, tree.compoundB, 'admin');
    const viewer = await tokenFor(t, tree.compoundA, 'viewer');
    const admin = await tokenFor(t, tree.compoundA, 'admin');
    const [a, b] = members;
    expect(
      (await t.call({ method: 'GET', url: `/api/v1/party-members/${a!.id}`, token: other })).status,
    ).toBe(404);
    expect(
      (await t.call({ method: 'POST', url: `/api/v1/party-members/${a!.id}/approve`, token: viewer })).status,
    ).toBe(403);
    const approved = await t.call({
      method: 'POST',
      url: `/api/v1/party-members/${a!.id}/approve`,
      token: admin,
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      compoundName: '甲小区',
      ownCommitments: ['照看楼道花草'],
    });
    expect(approved.body.commitments).toHaveLength(5);
    const twice = await t.call({
      method: 'POST',
      url: `/api/v1/party-members/${a!.id}/approve`,
      token: admin,
    });
    expect(twice.status).toBe(409);
    const rejected = await t.call({
      method: 'POST',
      url: `/api/v1/party-members/${b!.id}/reject`,
      token: admin,
      body: { reason: '组织关系不在本市' },
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectReason: '组织关系不在本市' });
    const pending = await t.call({
      method: 'GET',
      url: `/api/v1/party-members?orgId=${tree.community}&status=approved`,
    });
    expect(pending.body.items.map((m: { id: number }) => m.id)).toEqual([a!.id]);
  });

  it('pages members by cursor', async () => {
    const first = await t.call({
      method: 'GET',
      url: `/api/v1/party-members?orgId=${tree.community}&limit=1`,
    });
    expect(first.body.items.map((m: { id: number }) => m.id)).toEqual([members[0]!.id]);
    expect(first.body.nextCursor).toBeTruthy();
    const second = await t.call({
      method: 'GET',
      url: `/api/v1/party-members?orgId=${tree.community}&limit=1&cursor=${first.body.nextCursor}`,
    });
    expect(second.body).toEqual({
      items: [expect.objectContaining({ id: members[1]!.id })],
      nextCursor: null,
    });
  });

  it('pairs a member only with households of their compound', async () => {
    const [a] = members;
    const unitIn = async (compoundId: number, name: string) => {
      const building = await t.call({
        method: 'POST',
        url: '/api/v1/orgs',
        body: { kind: 'building', name, parentId: compoundId },
      });
      const { rows } = await t.db.query<{ id: number }>(
        `INSERT INTO linli.units (compound_id, building_id, unit_no, room, area) VALUES ($1, $2, '1单元', '202', 75)
         RETURNING id`,
        [compoundId, building.body.id],
      );
      return rows[0]!.id;
    };
    const mine = await unitIn(tree.compoundA, '3栋');
    const theirs = await unitIn(tree.compoundB, '9栋');
    const wrong = await t.call({
      method: 'POST',
      url: `/api/v1/party-members/${a!.id}/pairings`,
      body: { unitId: theirs },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].field).toBe('unitId');
    const ok = await t.call({
      method: 'POST',
      url: `/api/v1/party-members/${a!.id}/pairings`,
      body: { unitId: mine },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.items).toEqual([expect.objectContaining({ unitId: mine, address: '3栋1单元202' })]);
  });

  it('creates tasks by a community token, refuses bad ones by field, cancels, and reports records as CSV', async () => {
    const community = await tokenFor(t, tree.community, 'admin');
    const due = new Date(Date.now() + 24 * 3600_000).toISOString();
    const noSlots = await t.call({
      method: 'POST',
      url: '/api/v1/tasks',
      token: community,
      body: { orgId: tree.community, title: '敲门行动', dueAt: due },
    });
    expect(noSlots.status).toBe(400);
    expect(noSlots.body.error.details[0].field).toBe('volunteersNeeded');
    const past = await t.call({
      method: 'POST',
      url: '/api/v1/tasks',
      token: community,
      body: { orgId: tree.community, title: '敲门行动', dueAt: '2020-01-01T00:00:00Z', volunteersNeeded: 2 },
    });
    expect(past.body.error.details[0].field).toBe('dueAt');
    const unknown = await t.call({
      method: 'POST',
      url: '/api/v1/tasks',
      token: community,
      body: { orgId: tree.community, title: '敲门行动', dueAt: due, assignees: [members[1]!.personId] },
    });
    expect(unknown.body.error.details[0].field).toBe('assignees.0');
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/tasks',
      token: community,
      body: { orgId: tree.community, title: '敲门行动', place: '甲小区3栋', dueAt: due, volunteersNeeded: 2 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'volunteers', slots: 2, status: 'open' });
    expect(created.body.assignments).toEqual([
      expect.objectContaining({ personId: members[0]!.personId, status: 'invited' }),
    ]);
    const listed = await t.call({ method: 'GET', url: `/api/v1/tasks?orgId=${tree.compoundA}` });
    expect(listed.body.items).toEqual([]); // the task belongs to the community, above the compound
    const cancelled = await t.call({
      method: 'POST',
      url: `/api/v1/tasks/${created.body.id}/cancel`,
      token: community,
    });
    expect(cancelled.body.status).toBe('cancelled');
    const audit = await t.db.query<{ action: string; org_id: number }>(
      `SELECT action, org_id FROM linli.audit_log WHERE object_type IN ('task', 'party_member', 'party_branch')
       ORDER BY id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'party_branch.create',
      'party_branch.update',
      'party_member.approve',
      'party_member.reject',
      'task.create',
      'task.cancel',
    ]);

    const record = await t.call({
      method: 'GET',
      url: `/api/v1/party-members/${members[0]!.id}/service-record?year=2026`,
    });
    expect(record.body).toMatchObject({ tasksDone: 0, hours: '0.0', year: 2026 });
    const csv = await t.call({
      method: 'GET',
      url: `/api/v1/party-members/service-records.csv?orgId=${tree.community}&year=2026`,
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(String(csv.body).split('\r\n')[1]).toMatch(/^\d+,刘洋,区教育局第一党支部,甲小区,2026,0,0\.0,/);
    const noYear = await t.call({
      method: 'GET',
      url: `/api/v1/party-members/service-records.csv?orgId=${tree.community}`,
    });
    expect(noYear.status).toBe(400);
  });

  it('simulates the 报到 and task flows with actions dry-run: the bot’s messages, nothing written', async () => {
    const before = (await t.db.query('SELECT id FROM linli.party_members')).rows.length;
    const r = await t.call({
      method: 'POST',
      url: `/api/v1/flows/party_registration/simulate?orgId=${tree.compoundA}`,
      body: { answers: ['李明', '区教育局第一党支部', '甲小区', '9', '1', '短', '每月打扫一次楼道'] },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('completed');
    const texts = r.body.messages.map((m: { text: string }) => m.text);
    expect(texts.some((x: string) => x.includes('1. 全部五项'))).toBe(true);
    expect(texts.at(-1)).toBe('报到申请已提交（区教育局第一党支部 → 甲小区），等小区党支部书记审核。');
    expect((await t.db.query('SELECT id FROM linli.party_members')).rows).toHaveLength(before);
    const done = await t.call({
      method: 'POST',
      url: `/api/v1/flows/task_complete/simulate?orgId=${tree.compoundA}`,
      body: { answers: ['清理楼道杂物', '跳过', '25', '2'] }, // note, then three non-photos
    });
    // the photo is required: text answers are re-prompted, and after three the flow ends politely
    const asked = done.body.messages.map((m: { text: string }) => m.text);
    expect(asked[0]).toContain('「示例任务」完成得怎么样');
    expect(asked.filter((x: string) => x.includes('请发一张照片'))).toHaveLength(2);
    expect(done.body.status).toBe('failed');
  });
});
