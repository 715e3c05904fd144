import { afterEach, describe, expect, it } from 'vitest';
import { findCjkFont } from '../../../src/kernel/media/png-renderer.js';
import { CHINA_TIME_ZONE, wallOf } from '../../../src/kernel/time/zone.js';
import { digestDueAt } from '../../../src/modules/complaints/digest-push.js';
import { nextOverdueListAt } from '../../../src/modules/complaints/overdue-list.js';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { type FakeWecomRobot, startFakeWecomRobot } from '../../fakes/wecom/robot-server.js';
import { pngSize } from '../../support/png.js';
import { fileLiftComplaint } from '../../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100881;
const RESIDENT: FakeUser = { id: 5601, first_name: '韩', last_name: '梅' };

describe('the community’s officials’ WeCom group hears of warnings, escalations, the daily overdue list and the digest through its robot', () => {
  let t: TelegramLinli | undefined;
  let robot: FakeWecomRobot | undefined;
  afterEach(async () => {
    await t?.stop();
    await robot?.close();
    t = undefined;
    robot = undefined;
  });

  it('binds the robot (400 naming the field for a bad key or purpose), then posts the warning, the escalation, the next morning’s overdue list and the month’s digest there', async () => {
    robot = await startFakeWecomRobot();
    const key = robot.addRobot();
    t = await startTelegramLinli({ env: { WECOM_ROBOT_API_ROOT: robot.url } });
    const { api, json } = t;
    const sunshine = (await json('GET', '/orgs?kind=compound')).items.find(
      (o: { name: string }) => o.name === '阳光小区',
    );
    const community = sunshine.parentId;
    const bind = (body: object) =>
      api('POST', `/orgs/${community}/chats`, { channel: 'wecom_robot', ...body });
    const badKey = await bind({ externalChatId: 'not-a-key', purpose: 'handlers' });
    expect(badKey.status).toBe(400);
    expect(JSON.stringify(badKey.body)).toContain('externalChatId');
    const residents = await bind({ externalChatId: key, purpose: 'residents' });
    expect(residents.status).toBe(400);
    expect(JSON.stringify(residents.body)).toContain('purpose');
    // the whole webhook URL, as WeCom shows it, is taken too
    const bound = await bind({
      externalChatId: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`,
      purpose: 'handlers',
      title: '社区工作群',
    });
    expect(bound.status).toBeLessThan(300);
    expect(bound.body.externalChatId).toBe(key);
    const listed = await json('GET', `/orgs/${community}/chats`);
    const robotChat = (listed.items ?? listed).find((c: { channel: string }) => c.channel === 'wecom_robot');
    expect(robotChat.externalChatId).toBe(`${key.slice(0, 8)}…`);

    await json('POST', `/orgs/${sunshine.id}/chats`, {
      channel: 'telegram',
      externalChatId: String(GROUP),
      purpose: 'residents',
    });
    await api('PUT', `/orgs/${sunshine.id}/escalation-policy`, {
      calendar: 'natural',
      levels: { compound: { '*': { ack: 'PT4S', resolve: 'PT1H' } } },
      warnAtPercent: 50,
    });
    await fileLiftComplaint(t.fake, telegramChat(t.fake), GROUP, RESIDENT, '2号电梯困人');
    const warning = await robot.waitFor((m) => m.content.includes('【即将超时·督办】'), 20_000);
    expect(warning).toMatchObject({ key, msgtype: 'text' });
    expect(warning.content).toContain('电梯');
    const escalated = await robot.waitFor((m) => m.content.includes('【转办报事】'), 20_000);
    expect(escalated.content).toContain('2号电梯困人');
    const [c] = (await json('GET', `/complaints?orgId=${sunshine.id}`)).items;
    expect(c.level).toBe('community');
    // recorded like every delivery: the robot's chat, sent
    const deliveries = (await json('GET', `/deliveries?chat=${key}`)).items as {
      channel: string;
      status: string;
    }[];
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const d of deliveries) expect(d).toMatchObject({ channel: 'wecom_robot', status: 'sent' });

    // the next working day at 09:00 the officials get the list of what is still open past a deadline
    const services = t.linli.services;
    const morning = nextOverdueListAt(new Date());
    expect(await services.overdueLists.sendDue(morning.at)).toBeGreaterThanOrEqual(1);
    const list = await robot.waitFor((m) => m.content.includes('【超期未办结报事'), 20_000);
    expect(list.content).toContain(`和平社区 共 1 件`);
    expect(list.content).toContain(`1. ${c.number} 阳光小区 · 电梯 · 现由社区办理`);
    expect(await services.overdueLists.sendDue(morning.at)).toBe(0);

    // and on the next month's first working day, the community's digest, its chart as an image
    const w = wallOf(new Date(), CHINA_TIME_ZONE);
    const due = w.month === 12 ? digestDueAt(w.year + 1, 1) : digestDueAt(w.year, w.month + 1);
    expect(await services.digestPush.sendDue(due)).toBeGreaterThanOrEqual(1);
    const digest = await robot.waitFor(
      (m) => m.content.startsWith('【和平社区') && m.content.includes('报事情况】'),
      20_000,
    );
    expect(digest.content).toContain('收到报事 1 件');
    if (findCjkFont()) {
      const chart = await robot.waitFor((m) => m.msgtype === 'image', 20_000);
      expect(pngSize(chart.image!)).toEqual({ width: 960, height: 540 });
    }
  }, 60_000);
});
