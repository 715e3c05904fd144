import { render } from '../../flows/flow-schema.js';
import { AppError } from '../../kernel/access/errors.js';
import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import type { Db } from '../../kernel/db/db.js';
import { memberDecisionButton, taskAcceptButton, taskDeclineButton } from './callbacks.js';
import type { PartyService } from './commands/members.js';
import type { TaskService } from './commands/tasks.js';
import type { Staged } from './notifier.js';
import { inActiveConversation } from './repository/tasks.js';
import { partyTexts } from './texts.js';

/**
 * Buttons of the party module that are not flow answers:
 * - `pm:<member>:<approve|reject>` on a registration sent to the compound's party secretary: the
 *   presser must hold `party_secretary` at the member's compound or above; a registration already
 *   decided gets a clear answer and no second decision;
 * - `tkno:<task>` declines a task (accept and complete run as flows: `tkok`, `tkdone`);
 * - `tkok:<task>` pressed while the person is in another conversation in this chat: the engine would
 *   take it as an answer to that conversation, so the slot is taken here (the same `accept`), and
 *   the other conversation goes on.
 * Answers are in the presser's locale (an unknown presser: zh-CN).
 */

export class PartyChatActions {
  constructor(
    private readonly db: Db,
    private readonly party: PartyService,
    private readonly tasks: TaskService,
  ) {}

  /** True when the message was one of these buttons (answered either way). */
  async handle(ctx: InboundContext): Promise<boolean> {
    const choice = ctx.message.choice ?? '';
    const member = memberDecisionButton.read(choice);
    if (member) {
      await this.decide(ctx, member.member, member.decision);
      return true;
    }
    const accept = taskAcceptButton.read(choice);
    if (accept && ctx.person && (await this.inConversation(ctx))) {
      await this.accept(ctx, accept.task);
      return true;
    }
    const decline = taskDeclineButton.read(choice);
    if (decline) {
      await this.decline(ctx, decline.task);
      return true;
    }
    return false;
  }

  private async decide(ctx: InboundContext, id: number, decision: 'approve' | 'reject') {
    const person = ctx.person;
    const t = partyTexts(person?.locale).chat;
    if (!person || !(await this.party.isSecretaryFor(this.db, person.id, id))) {
      await ctx.reply(t.onlySecretary, { key: 'pm' });
      return;
    }
    let staged: (Staged | null)[] = [];
    let name = '';
    try {
      const r = await this.db.transaction((tx) =>
        this.party.decide(tx, id, decision, { personId: person.id, label: person.name }),
      );
      staged = r.staged;
      name = r.member.name;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await ctx.reply(err.status === 404 ? t.registrationGone : t.alreadyDecided, { key: 'pm' });
      return;
    }
    await this.party.flush(staged);
    await ctx.reply(t.decided(name, decision), { key: 'pm' });
  }

  private async inConversation(ctx: InboundContext): Promise<boolean> {
    return inActiveConversation(this.db, ctx.message.channel, ctx.message.chat.externalId, ctx.person!.id);
  }

  private async accept(ctx: InboundContext, taskId: number) {
    const person = ctx.person!;
    const r = await this.db.transaction((tx) => this.tasks.accept(tx, taskId, person.id));
    if (r.ok) await this.tasks.flush(r.staged);
    const locale = person.locale === 'en' ? 'en' : 'zh-CN';
    await ctx.reply(r.ok ? partyTexts(locale).chat.acceptedReply(r.task.title) : render(r.message, locale), {
      key: 'tk',
    });
  }

  private async decline(ctx: InboundContext, taskId: number) {
    const person = ctx.person;
    if (!person) {
      await ctx.reply(partyTexts(undefined).chat.notYours, { key: 'tk' });
      return;
    }
    const r = await this.db.transaction((tx) => this.tasks.decline(tx, taskId, person.id));
    const locale = person.locale === 'en' ? 'en' : 'zh-CN';
    await ctx.reply(r.ok ? partyTexts(locale).chat.declinedReply(r.task.title) : render(r.message, locale), {
      key: 'tk',
    });
  }
}
