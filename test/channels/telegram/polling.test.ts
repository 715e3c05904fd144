// Long-polling mode against the fake: delivery, per-chat ordering, clean stop.
import { afterEach, describe, expect, it } from 'vitest';
import { ANN, BOB, cleanup, GROUP, gate, startPolling, until } from './harness.js';

afterEach(cleanup);

describe('telegram long polling', () => {
  it('receives a pushed update and stops cleanly, confirming the offset', async () => {
    const h = await startPolling();
    expect(h.fake.callsOf('deleteWebhook')).toHaveLength(1);
    h.fake.pushUpdate(h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'hi' }));
    await until(() => h.received.length === 1);
    expect(h.received[0]).toMatchObject({ updateId: '1', text: 'hi', chat: { externalId: '42' } });
    expect(h.fake.callsOf('getUpdates')[0]?.params).toMatchObject({
      allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
    });

    const t0 = Date.now();
    await h.adapter.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(h.fake.callsOf('getUpdates').at(-1)?.params).toMatchObject({ offset: 2, limit: 1 });
    await h.adapter.stop(); // idempotent
  });

  it('keeps one chat in order and does not let a slow chat block another', async () => {
    const slow = gate();
    const events: string[] = [];
    const h = await startPolling({
      handler: async (m) => {
        events.push(`start ${m.text}`);
        if (m.text === 'a1') await slow.wait;
        events.push(`end ${m.text}`);
      },
    });
    h.fake.pushUpdate(h.fake.makeTextMessageUpdate({ chatId: GROUP, from: ANN, text: 'a1' }));
    h.fake.pushUpdate(h.fake.makeTextMessageUpdate({ chatId: GROUP, from: BOB, text: 'a2' }));
    h.fake.pushUpdate(h.fake.makeTextMessageUpdate({ chatId: BOB.id, from: BOB, text: 'b1' }));
    await until(() => events.includes('end b1'));
    expect(events).toEqual(['start a1', 'start b1', 'end b1']);
    slow.open();
    await until(() => events.length === 6);
    expect(events).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });

  it('stop() waits for handlers still running', async () => {
    const slow = gate();
    let finished = false;
    const h = await startPolling({
      handler: async () => {
        await slow.wait;
        finished = true;
      },
    });
    h.fake.pushUpdate(h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'work' }));
    await until(() => h.received.length === 1);
    const stopped = h.adapter.stop();
    setTimeout(slow.open, 50);
    await stopped;
    expect(finished).toBe(true);
  });

  it('answers callback queries in polling mode too', async () => {
    const h = await startPolling();
    const { messageId } = await h.adapter.send({
      chat: { externalId: '42', kind: 'private' },
      text: 'Pick',
      choices: [{ label: 'A', payload: 'a' }],
    });
    h.fake.pushUpdate(
      h.fake.makeCallbackQueryUpdate({ chatId: ANN.id, from: ANN, data: 'a', messageId: Number(messageId) }),
    );
    const answer = await h.fake.waitForCall('answerCallbackQuery');
    expect(answer.status).toBe(200);
    await until(() => h.received.length === 1);
    expect(h.received[0]).toMatchObject({ choice: 'a', chat: { kind: 'private' } });
  });

  it('does not confirm an update whose handling failed for a passing reason: it is handled again, the others go on', async () => {
    let failures = 1;
    const handled: string[] = [];
    const h = await startPolling({
      handler: async (m) => {
        if (m.text === 'flaky' && failures-- > 0)
          throw Object.assign(new Error('Connection terminated unexpectedly'), {});
        handled.push(m.text ?? '');
      },
    });
    const flaky = h.fake.pushUpdate(
      h.fake.makeTextMessageUpdate({ chatId: ANN.id, from: ANN, text: 'flaky' }),
    );
    h.fake.pushUpdate(h.fake.makeTextMessageUpdate({ chatId: BOB.id, from: BOB, text: 'other' }));
    await until(() => handled.includes('other'));
    // the failed update is still held by Telegram: no getUpdates confirmed past it yet
    expect(h.fake.callsOf('getUpdates').every((c) => Number(c.params.offset ?? 0) <= flaky.update_id)).toBe(
      true,
    );
    await until(() => handled.includes('flaky'), 5000);
    expect(handled.sort()).toEqual(['flaky', 'other']);
    await h.adapter.stop();
    expect(h.fake.callsOf('getUpdates').at(-1)?.params).toMatchObject({ offset: flaky.update_id + 2 });
  });
});
