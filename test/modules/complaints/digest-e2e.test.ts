import { afterEach, describe, expect, it } from 'vitest';
import { findCjkFont } from '../../../src/kernel/media/png-renderer.js';
import { CHINA_TIME_ZONE, wallOf } from '../../../src/kernel/time/zone.js';
import { digestDueAt } from '../../../src/modules/complaints/digest-push.js';
import type { FakeUser } from '../../fakes/telegram/index.js';
import { pngSize } from '../../support/png.js';
import { fileLiftComplaint, sunshineHandlers } from '../../support/telegram-complaint.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../../support/telegram-linli.js';

const GROUP = -100781;
const RESIDENT: FakeUser = { id: 5601, first_name: '周', last_name: '敏' };
const WANG: FakeUser = { id: 9601, first_name: '王师傅' };

describe('the monthly digest in a residents’ group on Telegram', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('on the next month’s first working day at 10:00: the text, then the chart, once', async () => {
    t = await startTelegramLinli();
    const { fake } = t;
    await sunshineHandlers(t, GROUP, [WANG]);
    const chat = telegramChat(fake);
    await fileLiftComplaint(fake, chat, GROUP, RESIDENT, '电梯门关不上');
    const notice = await chat.next(WANG.id, '【新报事】');
    await chat.press(WANG.id, WANG, notice, '受理');
    await chat.next(WANG.id, '已受理');

    // this month's digest is due on the next month's first working day, 10:00 China time: the moment
    // fires then (the job the reconciler keeps in the queue), as the test makes it here
    const now = wallOf(new Date(), CHINA_TIME_ZONE);
    const due = now.month === 12 ? digestDueAt(now.year + 1, 1) : digestDueAt(now.year, now.month + 1);
    expect(await t.linli.services.digestPush.sendDue(new Date(due.getTime() - 60_000))).toBe(0);
    expect(await t.linli.services.digestPush.sendDue(due)).toBeGreaterThanOrEqual(1);

    const text = await chat.next(GROUP, '报事情况】');
    const body = String(text.params.text);
    expect(body).toContain('收到报事 1 件，已办结 0 件，仍在处理 1 件');
    expect(body).toContain('响应率 100%（1/1）');
    expect(body).toContain('最多的是：电梯 1 件。');
    if (findCjkFont()) {
      const chart = await fake.waitForCall('sendPhoto', {
        timeoutMs: 15_000,
        predicate: (c) => Number(c.params.chat_id) === GROUP,
      });
      expect(chart.at.getTime()).toBeGreaterThanOrEqual(text.at.getTime());
      const sizes = (chart.response as unknown as { result: { photo: { file_id: string }[] } }).result.photo;
      expect(pngSize(fake.fileBytes(sizes.at(-1)!.file_id)!)).toEqual({ width: 960, height: 540 });
    }
    // the reconciler (or another process) at the same moment posts nothing more
    expect(await t.linli.services.digestPush.sendDue(due)).toBe(0);
  });
});
