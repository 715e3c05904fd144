import type { Queryable } from '../../kernel/db/db.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import { type PrivateAddress, privateAddresses } from '../chats/index.js';
import { claimDecisionButton } from './callbacks.js';
import { type ClaimRow, claimDeciders } from './repository-claims.js';

/**
 * The private messages of claims, staged in the transaction that makes the change (the outbox
 * sends them after COMMIT; its reconciler covers a crash in between). Each has an idempotency key,
 * so a redelivered turn never sends twice; a claim made again after a rejection is a new round.
 */
export class ClaimNotices {
  constructor(private readonly outbox: Outbox) {}

  /**
   * A pending claim to the compound's committee members and grid workers, with 通过 / 不通过
   * (buttons on Telegram, numbered on WeChat). The number of people reached (those with a chat
   * identity), and what to run after COMMIT.
   */
  async claimed(tx: Queryable, c: ClaimRow): Promise<{ reached: number; after: () => Promise<void> }> {
    const deciders = (await claimDeciders(tx, c.compound_id)).filter((id) => id !== c.person_id);
    const to = await privateAddresses(tx, deciders);
    const round = c.created_at.getTime();
    const after = await this.outbox.stage(
      tx,
      to.map((a) => {
        const en = a.locale === 'en';
        return {
          ...this.privately(a, c.compound_id),
          message: {
            chat: { externalId: a.external_id, kind: 'private' as const },
            text: en
              ? `${c.person_name} says they live at ${c.address}. Approve their registration?`
              : `${c.person_name} 申请登记为 ${c.address} 的住户，是否通过？`,
            choices: [
              {
                label: en ? 'Approve' : '通过',
                payload: claimDecisionButton.write({ claim: c.id, decision: 'approve' }),
              },
              {
                label: en ? 'Reject' : '不通过',
                payload: claimDecisionButton.write({ claim: c.id, decision: 'reject' }),
              },
            ],
          },
          idempotencyKey: `unit-claim-${c.id}-${round}-ask-${a.person_id}`,
        };
      }),
    );
    return { reached: to.length, after };
  }

  /** The claimant is told how their claim was decided. */
  async decided(tx: Queryable, c: ClaimRow): Promise<() => Promise<void>> {
    const [a] = await privateAddresses(tx, [c.person_id]);
    if (!a) return async () => {};
    const en = a.locale === 'en';
    const approved = c.status === 'approved';
    const text = approved
      ? en
        ? `Your registration as a resident of ${c.address} was approved.`
        : `您登记的住址 ${c.address} 已审核通过，您已是该户住户。`
      : en
        ? `Your registration as a resident of ${c.address} was not approved. Ask your grid worker or owners' committee if this is a mistake.`
        : `您登记的住址 ${c.address} 未通过审核。如有疑问，请联系网格员或业委会。`;
    return this.outbox.stage(tx, [
      {
        ...this.privately(a, c.compound_id),
        message: { chat: { externalId: a.external_id, kind: 'private' }, text },
        idempotencyKey: `unit-claim-${c.id}-${c.created_at.getTime()}-${c.status}`,
      },
    ]);
  }

  private privately(a: PrivateAddress, compoundId: number) {
    return { channel: a.channel, orgId: compoundId, personId: a.person_id };
  }
}
