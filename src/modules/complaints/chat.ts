import { AppError } from '../../kernel/access/errors.js';
import type { InboundContext } from '../../kernel/chat/dispatcher.js';
import type { Db } from '../../kernel/db/db.js';
import { handlerButton } from './callbacks.js';
import type { ComplaintRow, ComplaintService } from './commands/transitions.js';
import { heldChoices } from './handler-buttons.js';
import { assigneeOf, findComplaintForUpdate, handlesComplaint } from './repository.js';
import { complaintTexts } from './texts.js';

/**
 * Handlers act from chat: the buttons of a handler notification carry
 * `cp:<complaint>:<accept|start|resolve>:v<version>`. The presser must hold a handler role at the
 * complaint's current level org or above it. 抢单 (`grab`, dispatch mode grab) accepts it for the
 * presser, who becomes its assignee; a press after someone else's is told who took it. The row is locked and the loop decides: a press that
 * no longer fits (someone else accepted first) gets a clear "already handled", never a second
 * transition. Answers are in the presser's locale.
 */

export class ComplaintChatActions {
  constructor(
    private readonly db: Db,
    private readonly complaints: ComplaintService,
  ) {}

  /** True when the message was a complaint button (answered either way). */
  async handle(ctx: InboundContext): Promise<boolean> {
    const m = handlerButton.read(ctx.message.choice ?? '');
    if (!m) return false;
    const { complaint: id, action } = m;
    const t = complaintTexts(ctx.person?.locale).chat;
    if (!ctx.person || !(await handlesComplaint(this.db, ctx.person.id, id))) {
      await ctx.reply(t.notHandler, { key: 'cp' });
      return true;
    }
    try {
      const updated: ComplaintRow = await this.db.transaction(async (tx) => {
        const c = await findComplaintForUpdate(tx, id);
        if (!c) throw new AppError(404, 'not_found', 'gone');
        // the status decides (a second accept is refused by the loop); the version in the
        // payload only identifies the notification
        return this.complaints.transition(
          tx,
          c,
          { action },
          { label: ctx.person!.name, personId: ctx.person!.id },
        );
      });
      await this.complaints.afterChange(updated);
      // who just took it gets what they can do next
      const held = (action === 'accept' || action === 'grab') && updated.assignee_id === ctx.person.id;
      await ctx.reply(t.done(updated.number, action), {
        key: 'cp',
        ...(held ? { choices: heldChoices(updated, ctx.person.locale) } : {}),
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // a 抢单 after someone else's: who took it
      const taker = action === 'grab' && err.status === 409 ? await assigneeOf(this.db, id) : null;
      await ctx.reply(err.status === 404 ? t.gone : taker ? t.taken(taker.number, taker.name) : t.changed, {
        key: 'cp',
      });
    }
    return true;
  }
}
