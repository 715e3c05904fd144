/**
 * Residents' claims on units (登记) going to approval, at the dispatcher and over the admin API: a
 * claim waits (the compound's default), goes privately to its committee members and grid workers
 * with 通过 / 不通过, is decided once (a second decision is told who made the first), by them only
 * (or a token in scope), and the claimant is told privately. Until approved a claim gives the
 * person no unit to answer evaluations for.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasResidentUnit } from '../../../src/modules/evaluations/repository.js';
import { type FlowChat, type SentMessage, startFlowChat } from '../../support/flow-chat.js';

// Telegram: a press is the button's callback data; WeChat: the adapter turns a bare number into it
describe.each(['telegram', 'wechat'] as const)('claims go to approval on %s', (channel) => {
  let t: FlowChat;
  let committee: number;
  let grid: number;

  /** A person with a private chat identity and a role at the compound, through the admin API. */
  const staff = async (name: string, role: string) => {
    const person = await t.call('POST', '/api/v1/people', { name, orgId: t.compound });
    expect(person.status).toBe(201);
    const id = person.body.id as number;
    expect(
      (
        await t.call('POST', `/api/v1/people/${id}/identities`, {
          channel,
          externalId: t.externalId(name),
        })
      ).status,
    ).toBe(201);
    expect((await t.call('POST', `/api/v1/orgs/${t.compound}/roles`, { personId: id, role })).status).toBe(
      201,
    );
    return id;
  };
  /** The private messages the bot sent a person (by their chat id), in order. */
  const privately = async (who: string): Promise<SentMessage[]> =>
    (
      await t.db.query<{ message: SentMessage & { chat: { externalId: string; kind: string } } }>(
        'SELECT message FROM linli.deliveries ORDER BY id',
      )
    ).rows
      .map((r) => r.message)
      .filter((m) => m.chat.kind === 'private' && m.chat.externalId === t.externalId(who));
  const claimOf = async (who: string) => {
    await t.say(who, '登记');
    await t.say(who, '3栋2单元501');
    await t.say(who, '是');
  };
  const personOf = async (who: string) =>
    Number(
      (
        await t.db.query<{ person_id: number }>(
          'SELECT person_id FROM linli.identities WHERE external_id = $1',
          [t.externalId(who)],
        )
      ).rows[0]!.person_id,
    );

  beforeEach(async () => {
    t = await startFlowChat({ channel });
    const units = await t.call('POST', `/api/v1/orgs/${t.compound}/units`, [
      { building: '3栋', unit: '2单元', room: '501', area: '90', owners: [] },
    ]);
    expect(units.status).toBe(200);
    committee = await staff('张主任', 'committee_member');
    grid = await staff('刘网格', 'grid_worker');
  });
  afterEach(() => t.close());

  it('a claim waits by default and goes to the committee member and the grid worker with 通过 / 不通过', async () => {
    await claimOf('李军');
    expect((await t.last('李军')).text).toMatch(
      /^已提交登记（3栋2单元501），等业委会成员或网格员审核通过后生效/,
    );
    const listed = await t.call('GET', `/api/v1/orgs/${t.compound}/claims?status=pending`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        address: '3栋2单元501',
        personName: '李军',
        status: 'pending',
        decidedBy: null,
      }),
    ]);
    for (const who of ['张主任', '刘网格']) {
      const [ask] = await privately(who);
      expect(ask?.text).toBe('李军 申请登记为 3栋2单元501 的住户，是否通过？');
      expect(ask?.choices?.map((c) => c.label)).toEqual(['通过', '不通过']);
    }
    expect(await hasResidentUnit(t.db, await personOf('李军'))).toBe(false);
    expect([committee, grid].every(Number.isInteger)).toBe(true);
  });

  it('a committee member approves with 通过; a second decision is told who decided; the claimant is told', async () => {
    await claimOf('李军');
    const [ask] = await privately('张主任');
    const approve = ask!.choices!.find((c) => c.label === '通过')!.payload;
    // a resident pressing it (a forwarded button, a guessed payload) decides nothing
    await t.say('王芳', '你好');
    await t.press('王芳', approve);
    expect((await t.last('王芳')).text).toBe('只有本小区的业委会成员或网格员可以审核住户登记。');
    await t.pressPrivately('张主任', approve);
    expect((await privately('张主任')).at(-1)?.text).toBe(
      '已通过 李军 登记为 3栋2单元501 住户的申请，已私信告知本人。',
    );
    expect((await privately('李军')).map((m) => m.text)).toEqual([
      '您登记的住址 3栋2单元501 已审核通过，您已是该户住户。',
    ]);
    // the grid worker presses 不通过 on their copy afterwards
    const [gridAsk] = await privately('刘网格');
    await t.pressPrivately('刘网格', gridAsk!.choices!.find((c) => c.label === '不通过')!.payload);
    expect((await privately('刘网格')).at(-1)?.text).toBe('这条登记已由 张主任 通过，无需重复操作。');
    const claims = await t.call('GET', `/api/v1/orgs/${t.compound}/claims`);
    expect(claims.body.items).toEqual([expect.objectContaining({ status: 'approved', decidedBy: '张主任' })]);
    const li = await personOf('李军');
    expect(await hasResidentUnit(t.db, li)).toBe(true);
    const roles = await t.call('GET', `/api/v1/orgs/${t.compound}/roles?role=resident`);
    expect(roles.body.items.map((r: { personId: number }) => r.personId)).toContain(li);
  });

  it('over the API: reject, then a second decision is 409 naming who decided; a viewer may not decide', async () => {
    await claimOf('王芳');
    const id = (await t.call('GET', `/api/v1/orgs/${t.compound}/claims`)).body.items[0].id as number;
    const viewer = await t.call('POST', '/api/v1/tokens', {
      orgId: t.compound,
      role: 'viewer',
      label: 'viewer',
    });
    expect(viewer.status).toBe(201);
    expect((await t.call('POST', `/api/v1/claims/${id}/approve`, undefined, viewer.body.token)).status).toBe(
      403,
    );
    const rejected = await t.call('POST', `/api/v1/claims/${id}/reject`);
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ id, status: 'rejected', address: '3栋2单元501' });
    expect((await privately('王芳')).map((m) => m.text)).toEqual([
      '您登记的住址 3栋2单元501 未通过审核。如有疑问，请联系网格员或业委会。',
    ]);
    const again = await t.call('POST', `/api/v1/claims/${id}/approve`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_decided');
    expect(again.body.error.details).toContainEqual({ field: 'decidedBy', message: rejected.body.decidedBy });
    expect(await hasResidentUnit(t.db, await personOf('王芳'))).toBe(false);
    // in chat too, the committee member's button is now told it was decided
    const [ask] = await privately('张主任');
    await t.pressPrivately('张主任', ask!.choices![0]!.payload);
    expect((await privately('张主任')).at(-1)?.text).toMatch(/^这条登记已由 .+ 驳回，无需重复操作。$/);
    // claiming again after a rejection is a new round, sent again
    await claimOf('王芳');
    expect((await privately('张主任')).length).toBe(3); // the ask, the reply to the press, the new ask
    expect((await t.call('GET', `/api/v1/orgs/${t.compound}/claims?status=pending`)).body.items).toHaveLength(
      1,
    );
  });

  it('a compound that turns approval off registers at once', async () => {
    expect(
      (await t.call('PATCH', `/api/v1/orgs/${t.compound}`, { settings: { requireResidentApproval: false } }))
        .status,
    ).toBe(200);
    await claimOf('李军');
    expect((await t.last('李军')).text).toBe('登记成功！您已是 3栋2单元501 的住户。');
    expect(await privately('张主任')).toEqual([]);
  });
});
