import type { Side, World } from '../support/scope-world.js';

/**
 * Every operation of the OpenAPI document, with every id it takes (path, query, body): each probe
 * is a request of compound B's admin token naming one object of compound A in one field (all
 * other fields naming B's own objects), then the same request naming an id that exists nowhere.
 * `scope.test.ts` expects both to get the same answer (`expect`, 404 unless said otherwise) and
 * nothing in A to change. An operation without ids says why in `none`.
 *
 * A new route, or a new id field of a route, fails the test until it has its entry here.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export interface Req {
  method: Method;
  url: string;
  body?: unknown;
  /** Open311: form-encoded, the token as api_key */
  form?: Record<string, string>;
}
export interface Probe {
  /** the field as named in the OpenAPI document: a path or query parameter, or a body property path */
  field: string;
  /** the object of A the field names */
  target: keyof Side;
  /** an absent value when the field is not a number (platform ids) */
  absent?: string;
  /** the answer both must get (404 unless said otherwise) */
  expect?: number;
  req: (value: string, w: World) => Req;
}
export type Entry = Probe[] | { none: string };

export const ABSENT_ID = '987654321';
const V1 = '/api/v1';
const HOUR = 3_600_000;
const later = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

const get = (url: string): Req => ({ method: 'GET', url: `${V1}${url}` });
const post = (url: string, body: unknown = {}): Req => ({ method: 'POST', url: `${V1}${url}`, body });
const put = (url: string, body: unknown): Req => ({ method: 'PUT', url: `${V1}${url}`, body });
const patch = (url: string, body: unknown): Req => ({ method: 'PATCH', url: `${V1}${url}`, body });
const del = (url: string): Req => ({ method: 'DELETE', url: `${V1}${url}` });

/** A probe of `field`, naming A's `target`, built by `req`. */
const p = (field: string, target: keyof Side, req: Probe['req'], more: Partial<Probe> = {}): Probe => ({
  field,
  target,
  req,
  ...more,
});
/** A path or query id of `target` on an operation with no other id. */
const only = (target: keyof Side, req: (v: string, w: World) => Req, field = 'id'): Probe[] => [
  p(field, target, req),
];
const orgQuery = (url: string): Probe[] =>
  only('compound', (v) => get(`${url}${url.includes('?') ? '&' : '?'}orgId=${v}`), 'orgId');

const SCORES = {
  security: 4,
  sanitation: 4,
  greening: 4,
  repair_speed: 4,
  facility_upkeep: 4,
  communication: 4,
};
const task = (w: World, more: Record<string, unknown>) => ({
  orgId: w.b.compound,
  title: '楼道巡查',
  dueAt: later(48),
  ...more,
});
const reminder = (w: World, more: Record<string, unknown>) => ({
  orgId: w.b.compound,
  audience: { kind: 'group', orgId: w.b.compound },
  text: '本月物业费请按时缴纳',
  schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=10;BYMINUTE=0' },
  ...more,
});
const evaluation = (w: World, more: Record<string, unknown>) => ({
  orgId: w.b.compound,
  compoundIds: [w.b.compound],
  opensAt: later(24),
  closesAt: later(48),
  ...more,
});

export const TABLE: Record<string, Entry> = {
  // ---- orgs, people, roles, units, tokens, audit
  'GET /api/v1/orgs': only('compound', (v) => get(`/orgs?parentId=${v}`), 'parentId'),
  'POST /api/v1/orgs': only(
    'compound',
    (v) => post('/orgs', { kind: 'building', name: '9栋', parentId: Number(v) }),
    'parentId',
  ),
  'GET /api/v1/orgs/{id}': only('compound', (v) => get(`/orgs/${v}`)),
  'PATCH /api/v1/orgs/{id}': [
    p('id', 'compound', (v) => patch(`/orgs/${v}`, { name: '改名小区' })),
    p('parentId', 'compound', (v, w) => patch(`/orgs/${w.b.building}`, { parentId: Number(v) })),
  ],
  'GET /api/v1/people': orgQuery('/people'),
  'POST /api/v1/people': only(
    'compound',
    (v) => post('/people', { name: '王五', orgId: Number(v) }),
    'orgId',
  ),
  'GET /api/v1/people/{id}': only('person', (v) => get(`/people/${v}`)),
  'PATCH /api/v1/people/{id}': only('person', (v) => patch(`/people/${v}`, { locale: 'en' })),
  'POST /api/v1/people/{id}/identities': only('person', (v) =>
    post(`/people/${v}/identities`, { channel: 'telegram', externalId: 'tg-new-account' }),
  ),
  'POST /api/v1/people/{id}/merge': [
    p('id', 'person', (v, w) => post(`/people/${v}/merge`, { from: w.b.person })),
    p('from', 'person', (v, w) => post(`/people/${w.b.person}/merge`, { from: Number(v) })),
  ],
  'GET /api/v1/orgs/{id}/roles': only('compound', (v) => get(`/orgs/${v}/roles`)),
  'POST /api/v1/orgs/{id}/roles': [
    p('id', 'compound', (v, w) =>
      post(`/orgs/${v}/roles`, { personId: w.b.person, role: 'committee_member' }),
    ),
    p('personId', 'person', (v, w) =>
      post(`/orgs/${w.b.compound}/roles`, { personId: Number(v), role: 'committee_member' }),
    ),
  ],
  'DELETE /api/v1/orgs/{id}/roles/{assignmentId}': [
    p('id', 'compound', (v, w) => del(`/orgs/${v}/roles/${w.b.roleAssignment}`)),
    p('assignmentId', 'roleAssignment', (v, w) => del(`/orgs/${w.b.compound}/roles/${v}`)),
  ],
  'GET /api/v1/orgs/{id}/units': only('compound', (v) => get(`/orgs/${v}/units`)),
  'GET /api/v1/orgs/{id}/claims': only('compound', (v) => get(`/orgs/${v}/claims`)),
  'POST /api/v1/claims/{id}/approve': only('claim', (v) => post(`/claims/${v}/approve`)),
  'POST /api/v1/claims/{id}/reject': only('claim', (v) => post(`/claims/${v}/reject`)),
  'POST /api/v1/orgs/{id}/unit-codes': [
    p('id', 'compound', (v) => post(`/orgs/${v}/unit-codes`, {})),
    p('unitIds', 'unit', (v, w) => post(`/orgs/${w.b.compound}/unit-codes`, { unitIds: [Number(v)] })),
  ],
  'POST /api/v1/orgs/{id}/unit-codes/revoke': [
    p('id', 'compound', (v) => post(`/orgs/${v}/unit-codes/revoke`, {})),
    p('unitIds', 'unit', (v, w) => post(`/orgs/${w.b.compound}/unit-codes/revoke`, { unitIds: [Number(v)] })),
  ],
  'GET /api/v1/orgs/{id}/unit-codes': only('compound', (v) => get(`/orgs/${v}/unit-codes`)),
  'GET /api/v1/orgs/{id}/unit-codes.csv': only('compound', (v) => get(`/orgs/${v}/unit-codes.csv`)),
  'POST /api/v1/orgs/{id}/units': only('compound', (v) =>
    post(`/orgs/${v}/units`, [
      { building: '1栋', unit: '1单元', room: '102', area: '80', owners: [{ name: '赵六' }] },
    ]),
  ),
  'GET /api/v1/session': { none: 'the caller’s own token, no ids' },
  'GET /api/v1/tokens': orgQuery('/tokens'),
  'POST /api/v1/tokens': only(
    'compound',
    (v) => post('/tokens', { orgId: Number(v), role: 'viewer', label: 'probe' }),
    'orgId',
  ),
  'DELETE /api/v1/tokens/{id}': only('tokenId', (v) => del(`/tokens/${v}`)),
  'GET /api/v1/audit': [
    ...orgQuery('/audit'),
    // a filter on a text column over B's own entries: both find nothing
    p('objectId', 'person', (v) => get(`/audit?objectType=person&objectId=${v}`), { expect: 200 }),
  ],

  // ---- chats and deliveries
  'POST /api/v1/orgs/{id}/bind-codes': only('compound', (v) =>
    post(`/orgs/${v}/bind-codes`, { purpose: 'residents' }),
  ),
  'GET /api/v1/orgs/{id}/chats': only('compound', (v) => get(`/orgs/${v}/chats`)),
  'POST /api/v1/orgs/{id}/chats': only('compound', (v) =>
    post(`/orgs/${v}/chats`, { channel: 'telegram', externalChatId: '-100777', purpose: 'residents' }),
  ),
  'DELETE /api/v1/orgs/{id}/chats/{chatId}': [
    p('id', 'compound', (v, w) => del(`/orgs/${v}/chats/${w.b.chat}`)),
    p('chatId', 'chat', (v, w) => del(`/orgs/${w.b.compound}/chats/${v}`)),
  ],
  'GET /api/v1/deliveries': [
    ...orgQuery('/deliveries'),
    p('personId', 'person', (v) => get(`/deliveries?personId=${v}`)),
    // the platform's chat id, a filter over B's own deliveries: both find nothing
    p('chat', 'externalChatId', (v) => get(`/deliveries?chat=${encodeURIComponent(v)}`), {
      absent: '-100987654321',
      expect: 200,
    }),
  ],
  'GET /api/v1/failed-updates': { none: 'superuser only (403 for any scoped token), no ids' },
  'GET /api/v1/channels/wechat': { none: 'the WeChat login state, no ids' },
  'GET /api/v1/calendar/{year}': { none: 'the national holiday calendar, the same for everyone; no ids' },
  'PUT /api/v1/calendar/{year}': { none: 'superuser only (403 for any scoped token), no ids' },
  'POST /api/v1/channels/wechat/logout': { none: 'superuser only, no ids' },
  'GET /api/v1/channels/wechat/qr.png': { none: 'superuser only, no ids' },
  'GET /api/v1/channels/wechat-oa': { none: 'superuser only (403 for any scoped token), no ids' },
  'PUT /api/v1/channels/wechat-oa/menu': { none: 'superuser only (403 for any scoped token), no ids' },
  'POST /api/v1/orgs/{id}/wechat-oa-qrcodes': only('compound', (v) =>
    post(`/orgs/${v}/wechat-oa-qrcodes`, {}),
  ),

  // ---- flows
  'GET /api/v1/flows': orgQuery('/flows'),
  'GET /api/v1/flows/{key}': orgQuery('/flows/complaint'),
  'PUT /api/v1/flows/{key}': only('compound', (v) => put(`/flows/noise?orgId=${v}`, {}), 'orgId'),
  'POST /api/v1/flows/{key}/publish': only(
    'compound',
    (v) => post(`/flows/noise/publish?orgId=${v}`),
    'orgId',
  ),
  'GET /api/v1/flows/{key}/versions': orgQuery('/flows/complaint/versions'),
  'GET /api/v1/flows/{key}/versions/{version}': orgQuery('/flows/complaint/versions/1'),
  'POST /api/v1/flows/{key}/simulate': [
    p('orgId', 'compound', (v) => post(`/flows/complaint/simulate?orgId=${v}`, { answers: [] })),
    p('personId', 'person', (v) => post('/flows/complaint/simulate', { answers: [], personId: Number(v) })),
  ],

  // ---- complaints and metrics
  'GET /api/v1/complaints': orgQuery('/complaints'),
  'GET /api/v1/complaints/{id}': only('complaint', (v) => get(`/complaints/${v}`)),
  'POST /api/v1/complaints/{id}/actions': [
    p('id', 'complaint', (v) => post(`/complaints/${v}/actions`, { action: 'note', note: '已联系' })),
    p('assigneeId', 'person', (v, w) =>
      post(`/complaints/${w.b.complaint}/actions`, { action: 'assign', assigneeId: Number(v) }),
    ),
  ],
  'GET /api/v1/complaints/{id}/photos/{n}': only('complaint', (v) => get(`/complaints/${v}/photos/0`)),
  'GET /api/v1/orgs/{id}/duty-roster': only('compound', (v) => get(`/orgs/${v}/duty-roster`)),
  'PUT /api/v1/orgs/{id}/duty-roster': [
    p('id', 'compound', (v) => put(`/orgs/${v}/duty-roster`, { slots: [] })),
    p('slots.personId', 'person', (v, w) =>
      put(`/orgs/${w.b.compound}/duty-roster`, {
        slots: [{ personId: Number(v), weekday: 1, from: '08:00', to: '09:00' }],
      }),
    ),
    p('exceptions.personId', 'person', (v, w) =>
      put(`/orgs/${w.b.compound}/duty-roster`, {
        slots: [],
        exceptions: [{ date: '2026-12-25', personId: Number(v), off: true }],
      }),
    ),
  ],
  'GET /api/v1/orgs/{id}/complaint-categories': only('compound', (v) =>
    get(`/orgs/${v}/complaint-categories`),
  ),
  'GET /api/v1/orgs/{id}/escalation-policy': only('compound', (v) => get(`/orgs/${v}/escalation-policy`)),
  'PUT /api/v1/orgs/{id}/escalation-policy': only('compound', (v) =>
    put(`/orgs/${v}/escalation-policy`, {
      calendar: 'natural',
      levels: { compound: { '*': { ack: 'PT1H', resolve: 'P1D' } } },
    }),
  ),
  'GET /api/v1/metrics/complaints': orgQuery('/metrics/complaints'),
  'GET /api/v1/metrics/complaints.csv': orgQuery('/metrics/complaints.csv'),
  'GET /api/v1/orgs/{id}/digest': only('compound', (v) => get(`/orgs/${v}/digest`)),
  'GET /api/v1/orgs/{id}/digest.csv': only('compound', (v) => get(`/orgs/${v}/digest.csv`)),
  'GET /api/v1/orgs/{id}/digest.png': only('compound', (v) => get(`/orgs/${v}/digest.png`)),

  // ---- votes
  'POST /api/v1/proposals': only(
    'compound',
    (v) => post('/proposals', { orgId: Number(v), title: '加装电梯', rule: 'simple', closesAt: later(48) }),
    'orgId',
  ),
  'GET /api/v1/orgs/{id}/proposals': only('compound', (v) => get(`/orgs/${v}/proposals`)),
  'GET /api/v1/proposals/{id}': only('proposal', (v) => get(`/proposals/${v}`)),
  'GET /api/v1/proposals/{id}/result': only('proposal', (v) => get(`/proposals/${v}/result`)),
  'POST /api/v1/proposals/{id}/cancel': only('proposal', (v) => post(`/proposals/${v}/cancel`)),
  'POST /api/v1/proposals/{id}/ballots': [
    p('id', 'proposal', (v, w) =>
      post(`/proposals/${v}/ballots`, { personId: w.b.owner, option: '同意', evidence: '纸质票' }),
    ),
    p('personId', 'person', (v, w) =>
      post(`/proposals/${w.b.proposal}/ballots`, { personId: Number(v), option: '同意', evidence: '纸质票' }),
    ),
  ],
  'GET /api/v1/proposals/{id}/audit': only('proposal', (v) => get(`/proposals/${v}/audit`)),
  'GET /api/v1/proposals/{id}/audit/verify': only('proposal', (v) => get(`/proposals/${v}/audit/verify`)),
  'GET /api/v1/proposals/{id}/audit/receipts/{code}': only('proposal', (v) =>
    get(`/proposals/${v}/audit/receipts/ABCDEFGH`),
  ),

  // ---- reminders
  'GET /api/v1/reminders': orgQuery('/reminders'),
  'POST /api/v1/reminders': [
    p('orgId', 'compound', (v, w) =>
      post('/reminders', reminder(w, { orgId: Number(v), audience: { kind: 'group', orgId: Number(v) } })),
    ),
    p('audience.orgId', 'compound', (v, w) =>
      post('/reminders', reminder(w, { audience: { kind: 'group', orgId: Number(v) } })),
    ),
    p('audience.orgId', 'compound', (v, w) =>
      post('/reminders', reminder(w, { audience: { kind: 'role', orgId: Number(v), role: 'handler' } })),
    ),
    p('audience.personIds', 'person', (v, w) =>
      post('/reminders', reminder(w, { audience: { kind: 'people', personIds: [w.b.person, Number(v)] } })),
    ),
  ],
  'GET /api/v1/reminders/{id}': only('reminder', (v) => get(`/reminders/${v}`)),
  'PATCH /api/v1/reminders/{id}': only('reminder', (v) => patch(`/reminders/${v}`, { status: 'paused' })),
  'DELETE /api/v1/reminders/{id}': only('reminder', (v) => del(`/reminders/${v}`)),
  'GET /api/v1/reminders/{id}/next': only('reminder', (v) => get(`/reminders/${v}/next`)),
  'POST /api/v1/reminders/preview': { none: 'a schedule unrolled, saved nowhere; names no org or object' },

  // ---- property companies and evaluations
  'GET /api/v1/property-companies': orgQuery('/property-companies'),
  'POST /api/v1/property-companies': only(
    'compound',
    (v) => post('/property-companies', { orgId: Number(v), name: '新物业' }),
    'orgId',
  ),
  'GET /api/v1/property-companies/{id}': only('company', (v) => get(`/property-companies/${v}`)),
  'POST /api/v1/property-companies/{id}/contracts': [
    p('id', 'company', (v, w) =>
      post(`/property-companies/${v}/contracts`, { compoundId: w.b.compound, startsOn: '2030-01-01' }),
    ),
    p('compoundId', 'compound', (v, w) =>
      post(`/property-companies/${w.b.company}/contracts`, { compoundId: Number(v), startsOn: '2030-01-01' }),
    ),
  ],
  'GET /api/v1/evaluations': orgQuery('/evaluations'),
  'POST /api/v1/evaluations': [
    p('orgId', 'compound', (v, w) =>
      post('/evaluations', evaluation(w, { orgId: Number(v), compoundIds: [Number(v)] })),
    ),
    p('companyId', 'company', (v, w) =>
      post('/evaluations', evaluation(w, { companyId: Number(v), compoundIds: undefined })),
    ),
    p('compoundIds', 'compound', (v, w) => post('/evaluations', evaluation(w, { compoundIds: [Number(v)] }))),
  ],
  'GET /api/v1/evaluations/{id}': only('evaluation', (v) => get(`/evaluations/${v}`)),
  'POST /api/v1/evaluations/{id}/cancel': only('evaluation', (v) => post(`/evaluations/${v}/cancel`)),
  'POST /api/v1/evaluations/{id}/close': only('evaluation', (v) => post(`/evaluations/${v}/close`)),
  'POST /api/v1/evaluations/{id}/responses': [
    p('id', 'evaluation', (v, w) =>
      post(`/evaluations/${v}/responses`, { unitId: w.b.unit, scores: SCORES }),
    ),
    p('unitId', 'unit', (v, w) =>
      post(`/evaluations/${w.b.evaluation}/responses`, { unitId: Number(v), scores: SCORES }),
    ),
    p('personId', 'person', (v, w) =>
      post(`/evaluations/${w.b.evaluation}/responses`, {
        unitId: w.b.unit,
        personId: Number(v),
        scores: SCORES,
      }),
    ),
  ],
  'GET /api/v1/evaluations/{id}/results': only('evaluation', (v) => get(`/evaluations/${v}/results`)),
  'GET /api/v1/evaluations/{id}/ranking': only('evaluation', (v) => get(`/evaluations/${v}/ranking`)),

  // ---- party
  'GET /api/v1/party-commitments': { none: 'a fixed list' },
  'GET /api/v1/party-branches': orgQuery('/party-branches'),
  'POST /api/v1/party-branches': [
    p('orgId', 'compound', (v) => post('/party-branches', { orgId: Number(v), name: '新党支部一' })),
    p('secretaryPersonId', 'person', (v, w) =>
      post('/party-branches', { orgId: w.b.compound, name: '新党支部二', secretaryPersonId: Number(v) }),
    ),
  ],
  'GET /api/v1/party-branches/{id}': only('branch', (v) => get(`/party-branches/${v}`)),
  'PATCH /api/v1/party-branches/{id}': [
    p('id', 'branch', (v) => patch(`/party-branches/${v}`, { name: '改名党支部' })),
    p('secretaryPersonId', 'person', (v, w) =>
      patch(`/party-branches/${w.b.branch}`, { secretaryPersonId: Number(v) }),
    ),
  ],
  'DELETE /api/v1/party-branches/{id}': only('branch', (v) => del(`/party-branches/${v}`)),
  'GET /api/v1/party-members': [
    ...orgQuery('/party-members'),
    p('branchId', 'branch', (v) => get(`/party-members?branchId=${v}`)),
  ],
  'GET /api/v1/party-members/service-records.csv': orgQuery('/party-members/service-records.csv?year=2025'),
  'GET /api/v1/party-members/{id}': only('member', (v) => get(`/party-members/${v}`)),
  'POST /api/v1/party-members/{id}/approve': only('member', (v) => post(`/party-members/${v}/approve`)),
  'POST /api/v1/party-members/{id}/reject': only('member', (v) => post(`/party-members/${v}/reject`)),
  'GET /api/v1/party-members/{id}/service-record': only('member', (v) =>
    get(`/party-members/${v}/service-record`),
  ),
  'GET /api/v1/party-members/{id}/pairings': only('member', (v) => get(`/party-members/${v}/pairings`)),
  'POST /api/v1/party-members/{id}/pairings': [
    p('id', 'member', (v, w) => post(`/party-members/${v}/pairings`, { unitId: w.b.unit })),
    p('unitId', 'unit', (v, w) => post(`/party-members/${w.b.member}/pairings`, { unitId: Number(v) })),
  ],
  'DELETE /api/v1/party-members/{id}/pairings/{unitId}': [
    p('id', 'member', (v, w) => del(`/party-members/${v}/pairings/${w.b.unit}`)),
    p('unitId', 'unit', (v, w) => del(`/party-members/${w.b.member}/pairings/${v}`)),
  ],
  'POST /api/v1/tasks': [
    p('orgId', 'compound', (v, w) => post('/tasks', task(w, { orgId: Number(v), volunteersNeeded: 1 }))),
    p('branchId', 'branch', (v, w) => post('/tasks', task(w, { branchId: Number(v), volunteersNeeded: 1 }))),
    p('assignees', 'memberPerson', (v, w) => post('/tasks', task(w, { assignees: [Number(v)] }))),
  ],
  'GET /api/v1/tasks': orgQuery('/tasks'),
  'GET /api/v1/tasks/{id}': only('task', (v) => get(`/tasks/${v}`)),
  'POST /api/v1/tasks/{id}/cancel': only('task', (v) => post(`/tasks/${v}/cancel`)),

  // ---- Open311 (its own error shape; the token is the api_key)
  'GET /open311/v2/discovery.json': { none: 'public discovery document' },
  'GET /open311/v2/services.json': { none: 'the categories of the api_key’s org' },
  'GET /open311/v2/services/{code}.json': { none: 'a category code, not an object id' },
  'GET /open311/v2/requests.json': [
    // ids filter the api_key's own requests (the spec: unknown ones are left out), so both find nothing
    p(
      'service_request_id',
      'complaint',
      (v, w) => ({
        method: 'GET',
        url: `/open311/v2/requests.json?api_key=${w.b.token}&service_request_id=${v}`,
      }),
      { expect: 200 },
    ),
  ],
  'POST /open311/v2/requests.json': [
    p(
      'address_id',
      'compound',
      (v, w) => ({
        method: 'POST',
        url: '/open311/v2/requests.json',
        form: { api_key: w.b.token, service_code: 'parking', description: '占道', address_id: v },
      }),
      { expect: 400 },
    ),
  ],
  'GET /open311/v2/requests/{id}.json': only('complaint', (v, w) => ({
    method: 'GET',
    url: `/open311/v2/requests/${v}.json?api_key=${w.b.token}`,
  })),
};

/**
 * Fields that look like ids but name nothing of Linli's (checked against the OpenAPI document), by
 * name or by their path in a request body.
 */
export const NOT_OBJECT_IDS = new Set([
  'jurisdiction_id', // Open311: one jurisdiction per deployment, ignored
  'device_id', // Open311: the reporter's device, dropped
  'account_id', // Open311: the reporter's account elsewhere, dropped
  // a chat platform's own ids, not Linli's: unique per platform, so a taken one is 409 (without
  // naming where it is used); scope.test.ts checks those answers apart
  'externalId',
  'externalChatId',
  // a flow's step ids (by their path in the body): names inside the definition, not Linli's objects
  'steps.id',
  'definition.steps.id',
]);
