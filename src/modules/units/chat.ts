import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import { claimDecisionButton } from './callbacks.js';
import type { ClaimService } from './claims.js';

/**
 * `uc:<claim>:<approve|reject>`: 通过 / 不通过 on a resident's claim, sent privately to the compound's
 * committee members and grid workers (a button on Telegram; on WeChat the bare number of the
 * numbered choice, which the adapter turns into this payload). Only they may decide; the second
 * decision of a claim is answered with who made the first.
 */
export class UnitChatActions {
  constructor(private readonly claims: ClaimService) {}

  async handle(ctx: InboundContext): Promise<boolean> {
    const pressed = claimDecisionButton.read(ctx.message.choice ?? '');
    if (!pressed) return false;
    const person = ctx.person;
    const en = person?.locale === 'en';
    const say = (zh: string, english: string) => ctx.reply(en ? english : zh, { key: 'uc' });
    if (!person) {
      await say(
        '只有本小区的业委会成员或网格员可以审核住户登记。',
        'Only the compound’s committee members and grid workers decide registrations.',
      );
      return true;
    }
    const r = await this.claims.decideInChat(person.id, person.name, pressed.claim, pressed.decision);
    if (r.ok) {
      const yes = r.claim.status === 'approved';
      await say(
        `已${yes ? '通过' : '驳回'} ${r.claim.person_name} 登记为 ${r.claim.address} 住户的申请，已私信告知本人。`,
        `${yes ? 'Approved' : 'Rejected'}: ${r.claim.person_name} at ${r.claim.address}; they have been told.`,
      );
    } else if (r.why === 'not_allowed') {
      await say(
        '只有本小区的业委会成员或网格员可以审核住户登记。',
        'Only the compound’s committee members and grid workers decide registrations.',
      );
    } else if (r.why === 'gone') {
      await say('这条登记申请已不存在。', 'This registration no longer exists.');
    } else {
      const c = r.claim!;
      const how = c.status === 'approved' ? '通过' : '驳回';
      await say(
        `这条登记已由 ${c.decided_by ?? '他人'} ${how}，无需重复操作。`,
        `This registration was already ${c.status} by ${c.decided_by ?? 'someone else'}.`,
      );
    }
    return true;
  }
}
