import { expect } from 'vitest';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import { orgChain } from '../../src/kernel/access/org-chain.js';
import { insertPerson } from '../../src/modules/people/repository.js';
import { seedTree, type TestApp, tokenFor } from './app.js';

/**
 * Two sibling compounds, A and B, each filled through the admin API the way their admins would
 * (units and owners, a person with a chat identity and a role, a bound chat, a token, a complaint
 * filed over Open311, a proposal, a reminder, a property company with a contract, an evaluation,
 * a party branch, an approved party member, a task and a resident's pending claim on a unit). Only
 * the party member's 报到 and the resident's 登记 have no HTTP route (a resident does them in chat):
 * they go through the service and the action the chat flows call.
 */
export interface Side {
  compound: number;
  token: string;
  building: number;
  unit: number;
  owner: number;
  person: number;
  identity: string;
  roleAssignment: number;
  chat: number;
  externalChatId: string;
  tokenId: number;
  complaint: number;
  proposal: number;
  reminder: number;
  company: number;
  evaluation: number;
  branch: number;
  member: number;
  memberPerson: number;
  task: number;
  /** a resident's pending claim on the unit (登记) */
  claim: number;
}

export interface World {
  tree: Awaited<ReturnType<typeof seedTree>>;
  a: Side;
  b: Side;
}

const HOUR = 3_600_000;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export async function buildWorld(t: TestApp): Promise<World> {
  // the built-in flows, as the first start publishes them
  await seedBuiltinFlows(t.db, t.services.actions);
  const tree = await seedTree(t);
  const a = await buildSide(t, tree.compoundA, 'A', '13900000001');
  const b = await buildSide(t, tree.compoundB, 'B', '13900000002');
  return { tree, a, b };
}

async function buildSide(t: TestApp, compound: number, tag: 'A' | 'B', phone: string): Promise<Side> {
  const token = await tokenFor(t, compound, 'admin');
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, want = [200, 201]) => {
    const r = await t.call({ method, url, body: body as object | undefined, token });
    expect(want, `${method} ${url}: ${JSON.stringify(r.body)}`).toContain(r.status);
    return r.body;
  };
  const later = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

  await call('POST', `/api/v1/orgs/${compound}/units`, [
    {
      building: '1栋',
      unit: '1单元',
      room: '101',
      area: '90.00',
      owners: [{ name: `业主${tag}`, phone, voter: true }],
    },
  ]);
  const units = await call('GET', `/api/v1/orgs/${compound}/units`);
  const unit = units.items[0];
  const person = (await call('POST', '/api/v1/people', { name: `居民${tag}`, orgId: compound })).id;
  const identity = `tg-${tag}-${compound}`;
  await call('POST', `/api/v1/people/${person}/identities`, { channel: 'telegram', externalId: identity });
  const roleAssignment = (
    await call('POST', `/api/v1/orgs/${compound}/roles`, { personId: person, role: 'handler' })
  ).id;
  const externalChatId = `-100${compound}`;
  const chat = (
    await call('POST', `/api/v1/orgs/${compound}/chats`, {
      channel: 'telegram',
      externalChatId,
      purpose: 'residents',
    })
  ).id;
  const tokenId = (
    await call('POST', '/api/v1/tokens', { orgId: compound, role: 'viewer', label: `viewer ${tag}` })
  ).id;
  const filed = await t.call({
    method: 'POST',
    url: '/open311/v2/requests.json',
    token: null,
    headers: FORM,
    body: new URLSearchParams({
      api_key: token,
      service_code: 'parking',
      description: `消防通道被占 ${tag}`,
      address_id: String(compound),
    }).toString(),
  });
  expect(filed.status, JSON.stringify(filed.body)).toBe(200);
  const complaint = Number(filed.body[0].service_request_id);
  const proposal = (
    await call('POST', '/api/v1/proposals', {
      orgId: compound,
      title: `加装电梯 ${tag}`,
      rule: 'simple',
      opensAt: later(24),
      closesAt: later(48),
    })
  ).id;
  const reminder = (
    await call('POST', '/api/v1/reminders', {
      orgId: compound,
      audience: { kind: 'group', orgId: compound },
      text: '{org}：本月物业费请按时缴纳',
      schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=10;BYMINUTE=0' },
    })
  ).id;
  const company = (await call('POST', '/api/v1/property-companies', { orgId: compound, name: `物业${tag}` }))
    .id;
  await call('POST', `/api/v1/property-companies/${company}/contracts`, {
    compoundId: compound,
    startsOn: '2024-01-01',
  });
  const evaluation = (
    await call('POST', '/api/v1/evaluations', {
      orgId: compound,
      compoundIds: [compound],
      opensAt: later(24),
      closesAt: later(48),
    })
  ).id;
  const branch = (
    await call('POST', '/api/v1/party-branches', { orgId: compound, name: `机关党支部${tag}${compound}` })
  ).id;
  // 报到 happens in chat; the flow's action calls this service
  const memberPerson = (await insertPerson(t.db, { name: `党员${tag}`, orgId: compound })).id;
  const registered = await t.db.transaction((tx) =>
    t.services.party.register(tx, {
      personId: memberPerson,
      name: `党员${tag}`,
      branchId: branch,
      compoundId: compound,
      commitments: ['all'],
      own: [],
    }),
  );
  const member = registered.member.id;
  // 登记 happens in chat too; the registration flow's action makes the claim (pending: the default)
  const claimed = await t.db.transaction((tx) =>
    t.services.actions.get('register_resident')!.run(
      { location: { building: '1栋', unit: '1单元', room: '101' } },
      {
        tx,
        db: t.db,
        personId: person,
        orgId: compound,
        chatId: chat,
        chatExternalId: externalChatId,
        channel: 'telegram',
        chatKind: 'group',
        locale: 'zh-CN',
        dryRun: false,
        orgChain: () => orgChain(t.db, tx, compound, null),
        afterCommit: () => {},
      },
    ),
  );
  if (!claimed.ok) throw new Error(`登记 failed: ${JSON.stringify(claimed.message)}`);
  expect(claimed.output).toMatchObject({ pending: true });
  const claim = claimed.output.claimId as number;
  await call('POST', `/api/v1/party-members/${member}/approve`);
  await call('POST', `/api/v1/party-members/${member}/pairings`, { unitId: unit.id });
  const task = (
    await call('POST', '/api/v1/tasks', {
      orgId: compound,
      title: `楼道巡查 ${tag}`,
      dueAt: later(48),
      volunteersNeeded: 1,
    })
  ).id;
  await call('PUT', `/api/v1/orgs/${compound}/escalation-policy`, {
    calendar: 'natural',
    levels: { compound: { '*': { ack: 'PT2H', resolve: 'P3D' } } },
  });
  return {
    compound,
    token,
    building: unit.buildingId,
    unit: unit.id,
    owner: unit.owners[0].personId,
    person,
    identity,
    roleAssignment,
    chat,
    externalChatId,
    tokenId,
    complaint,
    proposal,
    reminder,
    company,
    evaluation,
    branch,
    member,
    memberPerson,
    task,
    claim,
  };
}

/**
 * Everything the superuser API shows about compound A, and every row of the database (the
 * tokens' last use aside): what a walk of B's token must leave exactly as it was.
 */
export async function snapshotA(t: TestApp, w: World): Promise<unknown> {
  const a = w.a.compound;
  const get = async (url: string) => {
    const r = await t.call({ method: 'GET', url });
    return { url, status: r.status, body: r.body };
  };
  const urls = [
    `/api/v1/orgs/${a}`,
    `/api/v1/orgs?parentId=${a}`,
    `/api/v1/people?orgId=${a}`,
    `/api/v1/people/${w.a.person}`,
    `/api/v1/people/${w.a.owner}`,
    `/api/v1/people/${w.a.memberPerson}`,
    `/api/v1/orgs/${a}/roles`,
    `/api/v1/orgs/${a}/units`,
    `/api/v1/orgs/${a}/claims`,
    `/api/v1/orgs/${a}/chats`,
    `/api/v1/orgs/${a}/escalation-policy`,
    `/api/v1/complaints?orgId=${a}`,
    `/api/v1/complaints/${w.a.complaint}`,
    `/api/v1/orgs/${a}/proposals`,
    `/api/v1/proposals/${w.a.proposal}/audit`,
    `/api/v1/reminders?orgId=${a}`,
    `/api/v1/reminders/${w.a.reminder}`,
    `/api/v1/property-companies?orgId=${a}`,
    `/api/v1/evaluations?orgId=${a}`,
    `/api/v1/party-branches?orgId=${a}`,
    `/api/v1/party-members?orgId=${a}`,
    `/api/v1/party-members/${w.a.member}`,
    `/api/v1/tasks?orgId=${a}`,
    `/api/v1/tasks/${w.a.task}`,
    `/api/v1/flows?orgId=${a}`,
    `/api/v1/deliveries?orgId=${a}`,
    `/api/v1/audit?orgId=${a}&limit=200`,
  ];
  const api = [];
  for (const url of urls) api.push(await get(url));
  const tokens = (await get(`/api/v1/tokens?orgId=${a}`)).body.items.map(
    ({ lastUsedAt: _, ...rest }: Record<string, unknown>) => rest,
  );
  return { api, tokens, rows: await dumpRows(t) };
}

async function dumpRows(t: TestApp): Promise<Record<string, unknown[]>> {
  const { rows: tables } = await t.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'linli' AND table_type = 'BASE TABLE'
     ORDER BY table_name`,
  );
  const out: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    const { rows } = await t.db.query<{ r: Record<string, unknown> }>(
      `SELECT to_jsonb(x) AS r FROM linli.${table_name} x`,
    );
    out[table_name] = rows
      .map(({ r }) => {
        if (table_name === 'api_tokens') delete r.last_used_at;
        return JSON.stringify(r);
      })
      .sort();
  }
  return out;
}
