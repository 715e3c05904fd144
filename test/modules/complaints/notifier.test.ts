import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orgChain } from '../../../src/kernel/access/org-chain.js';
import { SYSTEM_ACTOR } from '../../../src/kernel/access/principal.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { ComplaintNotifier } from '../../../src/modules/complaints/notifier.js';
import { findComplaint, insertComplaint } from '../../../src/modules/complaints/repository.js';
import { insertIdentity, insertPerson } from '../../../src/modules/people/repository.js';
import { openTestDb } from '../../support/db.js';
import { seedCompoundChain } from '../../support/org-chain.js';
import { RecordingOutbox } from '../../support/recording-outbox.js';
import { quietServices } from '../../support/services.js';

const ROOM = 'sunshine-residents@chatroom';

describe('what a WeChat reporter hears: privately, or in their group when the bot is no friend of theirs', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb('pglite');
  });
  afterEach(async () => {
    await db.close();
  });

  /** A complaint filed from the residents' room by 张伟, accepted by a handler; what the reporter is told. */
  const reporterNotice = async (anonymous: boolean) => {
    const outbox = new RecordingOutbox(db);
    const s = quietServices(db, { outbox });
    const { compound } = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: ROOM,
      purpose: 'residents',
    });
    const person = await insertPerson(db, { name: '张伟', orgId: compound });
    await insertIdentity(db, {
      personId: person.id,
      channel: 'wechat',
      externalId: 'wx-zw',
      displayName: '张伟',
    });
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: compound,
        reporterId: person.id,
        anonymous,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
        channel: 'wechat',
        chatExternalId: ROOM,
      }),
    );
    const accepted = await s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
    outbox.requests.length = 0;
    await new ComplaintNotifier(db, outbox).changed(accepted);
    const toReporter = outbox.requests.filter((r) => r.idempotencyKey.endsWith('-reporter'));
    expect(toReporter).toHaveLength(1);
    const [request] = toReporter;
    // private first: the platform decides whether the bot may (a friend); the group is the fallback
    expect(request!.message.chat).toEqual({ externalId: 'wx-zw', kind: 'private' });
    expect(request!.message.text).toContain(`您的报事 ${c.number}`);
    expect(request!.subject).toBe(`complaint:${c.id}:reporter`);
    return { notice: request!.fallback!, number: c.number };
  };

  it('names the reporter with an @-mention in the group they filed in when they did not ask to stay anonymous', async () => {
    const { notice, number } = await reporterNotice(false);
    expect(notice.chat).toEqual({ externalId: ROOM, kind: 'group' });
    expect(notice.mention).toEqual({ externalId: 'wx-zw', displayName: '张伟' });
    expect(notice.text).toContain(`您的报事 ${number}`);
  });

  it('never names an anonymous reporter in the group (fallback): no mention, not addressed, only the number', async () => {
    const { notice, number } = await reporterNotice(true);
    expect(notice.chat).toEqual({ externalId: ROOM, kind: 'group' });
    expect(notice.mention).toBeUndefined();
    expect(notice.text).not.toContain('您的');
    expect(notice.text).not.toContain('张伟');
    expect(notice.text).toContain(`报事 ${number}`);
  });
});

describe('complaint notices in each recipient’s locale', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb('pglite');
  });
  afterEach(async () => {
    await db.close();
  });

  /**
   * A compound with a Telegram residents' group and two property managers (English and Chinese);
   * a lifts complaint by `reporter` (English or Chinese, on Telegram) is filed, accepted and resolved.
   */
  const world = async (reporterLocale: 'zh-CN' | 'en') => {
    const outbox = new RecordingOutbox(db);
    const s = quietServices(db, { outbox });
    const { compound } = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'telegram',
      externalChatId: '-100777',
      purpose: 'residents',
    });
    const person = async (name: string, locale: 'zh-CN' | 'en', externalId: string) => {
      const p = await insertPerson(db, { name, locale, orgId: compound });
      await insertIdentity(db, { personId: p.id, channel: 'telegram', externalId });
      return p.id;
    };
    const alice = await person('Alice', 'en', 'tg-alice');
    const wang = await person('王芳', 'zh-CN', 'tg-wang');
    for (const h of [alice, wang])
      await s.people.grantRole(SYSTEM_ACTOR, compound, { personId: h, role: 'property_manager' });
    const reporter = await person(reporterLocale === 'en' ? 'Tom' : '张伟', reporterLocale, 'tg-reporter');
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: compound,
        reporterId: reporter,
        anonymous: false,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
        channel: 'telegram',
      }),
    );
    await new ComplaintNotifier(db, outbox).changed((await findComplaint(db, c.id))!);
    const filed = [...outbox.requests];
    outbox.requests.length = 0;
    await s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
    await s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'resolve' });
    const to = (externalId: string, reqs = outbox.requests) =>
      reqs.filter((r) => r.message.chat.externalId === externalId).map((r) => r.message);
    return { number: c.number, filed, to };
  };

  it('an English reporter and handler hear English, buttons included; Chinese ones and the group hear Chinese', async () => {
    const { number, filed, to } = await world('en');
    const [alice] = to('tg-alice', filed);
    expect(alice!.text).toBe(
      `[New report] ${number} · Lifts · common area\n电梯停在5楼\nPlease accept it soon.`,
    );
    expect(alice!.choices!.map((c) => c.label)).toEqual(['Accept', 'Add a note', 'Resolved', 'Transfer']);
    expect(alice!.locale).toBe('en');
    const [wang] = to('tg-wang', filed);
    expect(wang!.text).toBe(`【新报事】${number} · 电梯 · 公共区域\n电梯停在5楼\n请尽快受理。`);
    expect(wang!.choices!.map((c) => c.label)).toEqual(['受理', '补充说明', '已处理', '转办']);
    expect(to('-100777', filed).map((m) => m.text)).toEqual(['【报事进展】电梯 · 公共区域 · 已提交']);

    const [accepted, resolved] = to('tg-reporter');
    expect(accepted!.text).toBe(`Your report ${number} (Lifts) was accepted and is being handled.`);
    expect(resolved!.text).toBe(`Your report ${number} has been resolved. Please rate how it was handled.`);
    expect(resolved!.choices!.map((c) => c.label)).toEqual(['Rate']);
    expect(to('-100777').map((m) => m.text)).toEqual([
      '【报事进展】电梯 · 公共区域 · 已受理',
      '【报事进展】电梯 · 公共区域 · 已处理',
    ]);
  });

  it('a Chinese reporter hears Chinese', async () => {
    const { number, to } = await world('zh-CN');
    const [accepted, resolved] = to('tg-reporter');
    expect(accepted!.text).toBe(`您的报事 ${number}（电梯）已受理，正在处理。`);
    expect(resolved!.text).toBe(`您的报事 ${number} 已处理完毕，请您评价。`);
    expect(resolved!.choices!.map((c) => c.label)).toEqual(['评价']);
  });

  it('an anonymous English reporter’s notice in their WeChat group is in the group’s Chinese, so it does not point at them', async () => {
    const outbox = new RecordingOutbox(db);
    const s = quietServices(db, { outbox });
    const { compound } = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'wechat',
      externalChatId: ROOM,
      purpose: 'residents',
    });
    const tom = await insertPerson(db, { name: 'Tom', locale: 'en', orgId: compound });
    await insertIdentity(db, {
      personId: tom.id,
      channel: 'wechat',
      externalId: 'wx-tom',
      displayName: 'Tom',
    });
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: compound,
        reporterId: tom.id,
        anonymous: true,
        category: 'lifts',
        description: 'The lift is stuck',
        photos: [],
        channel: 'wechat',
        chatExternalId: ROOM,
      }),
    );
    outbox.requests.length = 0;
    await s.complaints.act(SYSTEM_ACTOR, c.id, { action: 'accept' });
    const [notice] = outbox.requests.filter((r) => r.idempotencyKey.endsWith('-reporter'));
    // privately in his English; in the group (when the bot may not write to him) in its Chinese
    expect(notice!.message).toMatchObject({ chat: { externalId: 'wx-tom', kind: 'private' }, locale: 'en' });
    expect(notice!.fallback).toMatchObject({ chat: { externalId: ROOM, kind: 'group' }, locale: 'zh-CN' });
    expect(notice!.fallback!.text).toBe(`报事 ${c.number}（电梯）已受理，正在处理。`);
    expect(notice!.fallback!.mention).toBeUndefined();
  });
});

describe('the org chain a change hands its notices', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb('pglite');
  });
  afterEach(async () => {
    await db.close();
  });

  it('is what the notices are made from (a filing’s: as it was filed), without reading the chain again', async () => {
    const outbox = new RecordingOutbox(db);
    const s = quietServices(db, { outbox });
    const { compound } = await seedCompoundChain(s);
    await s.chats.bindDirect(SYSTEM_ACTOR, compound, {
      channel: 'telegram',
      externalChatId: '-100778',
      purpose: 'residents',
    });
    const reporter = await insertPerson(db, { name: '张伟', orgId: compound });
    await insertIdentity(db, { personId: reporter.id, channel: 'telegram', externalId: 'tg-zw' });
    const c = await db.transaction((tx) =>
      insertComplaint(tx, {
        compoundId: compound,
        reporterId: reporter.id,
        anonymous: false,
        category: 'lifts',
        description: '电梯停在5楼',
        photos: [],
        channel: 'telegram',
      }),
    );
    const row = (await findComplaint(db, c.id))!;
    const asRead = await orgChain(db, db, compound, null);
    // the filing saw the compound call its lifts 垂直电梯 (a rename since is not this filing's)
    const asFiled = asRead.map((o) =>
      o.id === compound
        ? { ...o, settings: { complaintCategories: [{ code: 'lifts', zh: '垂直电梯', en: 'Elevators' }] } }
        : o,
    );
    const chainReads: string[] = [];
    const counted: Db = Object.create(db, {
      query: {
        value: (sql: string, params?: unknown[], opts?: { prepare?: string }) => {
          if (opts?.prepare?.startsWith('linli_org_chain')) chainReads.push(sql);
          return db.query(sql, params, opts);
        },
      },
    });
    await new ComplaintNotifier(counted, outbox).changed(row, asFiled);
    const texts = outbox.requests.map((r) => r.message.text);
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.some((t) => t.includes('垂直电梯'))).toBe(true);
    expect(chainReads).toEqual([]);
    // without a chain handed over, the notices read it (the compound's own list: the built-in 电梯)
    outbox.requests.length = 0;
    await new ComplaintNotifier(counted, outbox).changed({ ...row });
    expect(chainReads).toHaveLength(1);
    expect(outbox.requests.length).toBeGreaterThan(0);
    expect(outbox.requests.some((r) => r.message.text.includes('垂直电梯'))).toBe(false);
  });
});
