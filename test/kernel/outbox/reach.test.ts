/**
 * Reach (src/kernel/outbox/reach.ts): a private message the platform refuses goes to the person's
 * group instead when it carries a fallback; otherwise, or when that fails too, the delivery is
 * unreachable with the reason, and its subject's module is told in the same transaction.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatRef } from '../../../src/kernel/chat/port.js';
import type { UnreachedDelivery } from '../../../src/kernel/outbox/reach.js';
import { queueKinds } from '../../support/env.js';
import { useOutboundHarness } from '../../support/outbound-harness.js';

const group: ChatRef = { externalId: '-100777', kind: 'group' };
const dm: ChatRef = { externalId: '4242', kind: 'private' };
const NOT_STARTED =
  "not_started: telegram sendMessage: 403 Forbidden: bot can't initiate conversation with a user";

describe.each(queueKinds())('reach on %s', (kind) => {
  const h = useOutboundHarness(kind, 'reach');
  let told: UnreachedDelivery[] = [];
  beforeEach(() => {
    told = [];
  });
  const start = () =>
    h.start({
      onUnreached: async (tx, d, send) => {
        told.push(d);
        // what a module does: a record in the same transaction, and a word to someone else
        await tx.query('SELECT 1');
        await send([
          {
            channel: 'telegram',
            message: { chat: { externalId: '5151', kind: 'private' }, text: `unreached ${d.subject}` },
            idempotencyKey: `colleague-${d.deliveryId}`,
          },
        ]);
      },
    });
  const row = async (id: number) =>
    (
      await h.db.query<{ status: string; last_error: string | null; rerouted_to: number | null }>(
        'SELECT status, last_error, rerouted_to FROM linli.deliveries WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  it('a refused private message goes to the group with its mention instead; the refused one names it', async () => {
    await start();
    h.adapter.refuse(dm.externalId, NOT_STARTED);
    const mention = { externalId: dm.externalId, displayName: 'Ann' };
    const { deliveryId } = await h.outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'private' },
      fallback: { chat: group, text: 'in the group', mention },
      subject: 'complaint:1:reporter',
      idempotencyKey: 'k1',
      personId: null,
    });
    await expect.poll(() => h.adapter.texts(), { timeout: 15_000 }).toEqual(['in the group']);
    expect(h.adapter.sent[0]!.message.mention).toEqual(mention);
    const refused = await row(deliveryId);
    expect(refused).toMatchObject({ status: 'rerouted', last_error: `permanent: ${NOT_STARTED}` });
    await expect.poll(async () => (await row(refused.rerouted_to!)).status).toBe('sent');
    expect(told).toEqual([]);
  });

  it('refused without a fallback: unreachable with the reason, and the subject’s module is told once', async () => {
    await start();
    h.adapter.refuse(dm.externalId, NOT_STARTED);
    const { deliveryId } = await h.outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'private' },
      subject: 'complaint:2:handler',
      idempotencyKey: 'k2',
    });
    await expect
      .poll(() => h.adapter.texts(), { timeout: 15_000 })
      .toEqual(['unreached complaint:2:handler']);
    expect(await row(deliveryId)).toMatchObject({
      status: 'unreachable',
      last_error: `permanent: ${NOT_STARTED}`,
    });
    expect(told).toEqual([
      expect.objectContaining({
        deliveryId,
        subject: 'complaint:2:handler',
        reason: `permanent: ${NOT_STARTED}`,
      }),
    ]);
  });

  it('a fallback that fails too (the bot was removed from the group) leaves the person unreachable', async () => {
    await start();
    h.adapter.refuse(
      dm.externalId,
      'blocked: telegram sendMessage: 403 Forbidden: bot was blocked by the user',
    );
    h.adapter.refuse(
      group.externalId,
      'telegram sendMessage: 403 Forbidden: bot was kicked from the group chat',
    );
    const { deliveryId } = await h.outbox.enqueue({
      channel: 'telegram',
      message: { chat: dm, text: 'private' },
      fallback: { chat: group, text: 'in the group' },
      subject: 'complaint:3:reporter',
      idempotencyKey: 'k3',
    });
    await expect.poll(() => told.length, { timeout: 15_000 }).toBe(1);
    const refused = await row(deliveryId);
    expect(refused.status).toBe('rerouted');
    expect(await row(refused.rerouted_to!)).toMatchObject({
      status: 'unreachable',
      last_error: expect.stringContaining('kicked'),
    });
    expect(told[0]).toMatchObject({ deliveryId: refused.rerouted_to, subject: 'complaint:3:reporter' });
  });

  it('a permanent error that is not about the person fails the delivery, with nobody told', async () => {
    await start();
    h.adapter.refuse(group.externalId, 'telegram sendMessage: 400 Bad Request: chat not found');
    const { deliveryId } = await h.outbox.enqueue({
      channel: 'telegram',
      message: { chat: group, text: 'to the group' },
      subject: 'complaint:4:residents',
      idempotencyKey: 'k4',
    });
    await expect.poll(async () => (await row(deliveryId)).status, { timeout: 15_000 }).toBe('failed');
    expect(told).toEqual([]);
  });
});
