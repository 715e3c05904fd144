import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/app/modules.js';
import { type Actor, SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { ComplaintNotifier } from '../../../src/modules/complaints/notifier.js';
import {
  complaintEvents,
  findComplaint,
  insertComplaint,
} from '../../../src/modules/complaints/repository.js';
import { insertPerson } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { roleHolder } from '../../support/role-holder.js';
import { quietServices } from '../../support/services.js';

const ALL_WEEK = (personId: number) =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ personId, weekday, from: '00:00', to: '24:00' }));
/** today in China, as a roster's exception names it */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe.each(engines())('dispatch by turn among those on duty (round_robin) on %s', (engine) => {
  let db: Db;
  let s: Services;
  let outbox: RecordingOutbox;
  let chain: Awaited<ReturnType<typeof seedCompoundChain>>;

  beforeEach(async () => {
    db = await openTestDb(engine);
    outbox = new RecordingOutbox(db);
    s = quietServices(db, { outbox });
    chain = await seedCompoundChain(s);
  });
  afterEach(async () => db.close());

  const holder = (name: string, role = 'property_manager', orgId = chain.compound) =>
    roleHolder(db, s, { name, orgId, role });
  /** A new lift complaint is announced; who was told (private chats) and whom it went to. */
  const arrives = async () => {
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: chain.compound,
        reporterId: null,
        anonymous: false,
        category: 'lifts',
        description: '电梯异响',
        photos: [],
      }),
    );
    outbox.requests.length = 0;
    await new ComplaintNotifier(db, outbox).changed((await findComplaint(db, c.id))!);
    const told = outbox.requests
      .filter((r) => r.subject?.endsWith(':handler'))
      .map((r) => `${r.message.chat.externalId} ${/^【[^】]+】/.exec(r.message.text)?.[0]}`);
    return { told, row: (await findComplaint(db, c.id))!, id: c.id };
  };

  it('turns go round the property managers on duty; the one off today is skipped; only the assignee is told', async () => {
    const a = await holder('甲');
    const b = await holder('乙');
    const c = await holder('丙');
    await holder('网格员', 'grid_worker');
    await s.orgs.update(SYSTEM_ACTOR, chain.compound, { settings: { dispatch: { lifts: 'round_robin' } } });
    await s.rosters.put(SYSTEM_ACTOR, chain.compound, {
      timeZone: 'Asia/Shanghai',
      slots: [...ALL_WEEK(a), ...ALL_WEEK(b), ...ALL_WEEK(c)],
      exceptions: [{ date: today(), personId: b, off: true }],
    });
    const first = await arrives();
    expect(first.row.assignee_id).toBe(a);
    expect(first.told).toEqual(['tg-甲 【分派给您】']);
    const events = await complaintEvents(db, first.id);
    expect(events.at(-1)).toMatchObject({ type: 'assign', actor_label: 'round_robin', assignee_id: a });
    // the turn's notice is out: the turn owes nothing (the reconciler would send it again otherwise);
    // had the process died before telling 甲, the turn's own version would owe it under the same key
    const owes = await db.query('SELECT version FROM linli.complaint_notices_due WHERE complaint_id = $1', [
      first.id,
    ]);
    expect(owes.rows).toEqual([]);
    const key = outbox.requests.find((r) => r.subject?.endsWith(':handler'))!.idempotencyKey;
    expect(key).toBe(`complaint-${first.id}-v${first.row.version}-assignee-${a}`);
    expect((await arrives()).row.assignee_id).toBe(c);
    expect((await arrives()).row.assignee_id).toBe(a);
  });

  it('nobody of the category’s role on duty: another handler on duty; nobody at all: every handler hears of it', async () => {
    const a = await holder('甲');
    const g = await holder('网格员', 'grid_worker');
    await s.orgs.update(SYSTEM_ACTOR, chain.compound, { settings: { dispatch: { '*': 'round_robin' } } });
    await s.rosters.put(SYSTEM_ACTOR, chain.compound, {
      timeZone: 'Asia/Shanghai',
      slots: [...ALL_WEEK(a), ...ALL_WEEK(g)],
      exceptions: [{ date: today(), personId: a, off: true }],
    });
    expect((await arrives()).row.assignee_id).toBe(g);
    await s.rosters.put(SYSTEM_ACTOR, chain.compound, {
      timeZone: 'Asia/Shanghai',
      slots: [...ALL_WEEK(a), ...ALL_WEEK(g)],
      exceptions: [
        { date: today(), personId: a, off: true },
        { date: today(), personId: g, off: true },
      ],
    });
    const nobody = await arrives();
    expect(nobody.row.assignee_id).toBeNull();
    expect(nobody.told).toEqual(['tg-甲 【新报事】']);
  });

  it('the roster API: only handlers of the org, in scope; 400 and 404 name the field and write nothing', async () => {
    const a = await holder('甲');
    const resident = (await insertPerson(db, { name: '居民', orgId: chain.compound })).id;
    const outsider = await holder('社区干部', 'handler', chain.community);
    const stranger = (await insertPerson(db, { name: '别处', orgId: chain.city })).id;
    const token = await s.tokens.create(SYSTEM_ACTOR, {
      label: 'compound admin',
      orgId: chain.compound,
      role: 'admin',
    });
    const actor: Actor = { principal: (await s.tokens.authenticate(token.token))! };
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: { status: number; details: { field?: string }[] }) => `${e.status} ${e.details[0]?.field}`,
      );
    const put = (slots: object[]) =>
      s.rosters.put(actor, chain.compound, {
        timeZone: 'Asia/Shanghai',
        slots: slots as never,
        exceptions: [],
      });
    expect(
      await refusal(put([...ALL_WEEK(a), { personId: resident, weekday: 1, from: '08:00', to: '09:00' }])),
    ).toBe('400 slots.7.personId');
    for (const other of [stranger, outsider])
      expect(await refusal(put([{ personId: other, weekday: 1, from: '08:00', to: '09:00' }]))).toBe(
        '404 slots.0.personId',
      );
    expect(await refusal(s.rosters.get(actor.principal, chain.compound))).toMatch(/^404/);
    await put(ALL_WEEK(a));
    expect((await s.rosters.get(actor.principal, chain.compound)).slots).toHaveLength(7);
  });
});
