import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { fileLiftComplaint } from '../../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100556;
const RESIDENT: FakeUser = { id: 5201, first_name: '钱', last_name: '芳' };
const HANDLER: FakeUser = { id: 9201, first_name: '孙网格' };
const SUPERVISOR: FakeUser = { id: 9202, first_name: '周主任' };

describe('a handler is warned before the deadline passes, and the community above as supervisor', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('warns at the policy’s share of the acknowledge time; accepting in time stops the escalation', async () => {
    t = await startTelegramLinli();
    const { fake, json: api } = t;
    const compounds = (await api('GET', '/orgs?kind=compound')).items;
    const sunshine = compounds.find((o: { name: string }) => o.name === '阳光小区');
    const community = sunshine.parentId;
    // the compound's handler and the community's, each registered as an admin would and each
    // having opened a private chat with the bot
    const register = async (u: FakeUser, orgId: number, role: string) => {
      const p = await api('POST', '/people', { name: u.first_name, orgId });
      await api('POST', `/people/${p.id}/identities`, { channel: 'telegram', externalId: String(u.id) });
      await api('POST', `/orgs/${orgId}/roles`, { personId: p.id, role });
      fake.startPrivateChat(u.id);
    };
    await register(HANDLER, sunshine.id, 'property_manager');
    await register(SUPERVISOR, community, 'handler');
    await api('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });
    // acknowledge within 10 s, warned at half of it
    await api('PUT', `/orgs/${sunshine.id}/escalation-policy`, {
      calendar: 'natural',
      levels: { compound: { '*': { ack: 'PT10S', resolve: 'PT1H' } } },
      warnAtPercent: 50,
    });

    const chat = telegramChat(fake);
    const { next, buttons, press } = chat;
    await fileLiftComplaint(fake, chat, GROUP, RESIDENT, '3号电梯门关不上');
    const filedAt = Date.now();
    await next(HANDLER.id, '【新报事】');

    const warning = await next(HANDLER.id, '【即将超时】');
    expect(Date.now() - filedAt).toBeGreaterThanOrEqual(4000);
    expect(String(warning.params.text)).toContain('受理时限为');
    expect(buttons(warning).map((b) => b.text)).toEqual(['受理', '补充说明', '已处理', '转办']);
    const supervising = await next(SUPERVISOR.id, '【即将超时·督办】');
    expect(buttons(supervising)).toEqual([]);

    // the handler accepts from the warning itself: no escalation follows
    await press(HANDLER.id, HANDLER, warning, '受理');
    await next(HANDLER.id, '已受理');
    const [complaint] = (await api('GET', `/complaints?orgId=${sunshine.id}`)).items;
    await new Promise((r) => setTimeout(r, 6000));
    const after = await api('GET', `/complaints/${complaint.id}`);
    expect(after.level).toBe('compound');
    expect(after.status).toBe('accepted');
    // one warning each: nothing more reached them
    const sentTo = (id: number, text: string) =>
      fake
        .callsOf('sendMessage')
        .filter((c) => Number(c.params.chat_id) === id && String(c.params.text).includes(text)).length;
    expect(sentTo(HANDLER.id, '【即将超时】')).toBe(1);
    expect(sentTo(SUPERVISOR.id, '【即将超时·督办】')).toBe(1);
  }, 60_000); // 11 s of it is waiting for the deadline on purpose
});
