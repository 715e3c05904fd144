import type { Logger } from 'pino';
import { orgChain } from '../kernel/access/org-chain.js';
import type { Db, Queryable } from '../kernel/db/db.js';
import type { ActionRegistry } from './actions.js';
import { engineTexts } from './engine-texts.js';
import { type ConversationLookups, conversationOrg, type MachineEnv } from './machine.js';
import type { ConversationRow } from './turn-context.js';

/** Thrown by the read-only environment when a turn reaches an action: the turn needs a transaction. */
export const NEEDS_TRANSACTION = Symbol('needs a transaction');

/**
 * The machine's environment for a turn computed outside a transaction: an action stops it.
 * `orgStamp`: the stamp of the conversation's org chain as the turn's first read saw it (null:
 * none seen, the chain is read afresh when needed).
 */
export function readEnv(
  deps: { db: Db; lookups: ConversationLookups },
  row: ConversationRow,
  orgStamp: string | null,
): MachineEnv {
  return {
    locale: row.locale,
    // branches read where the conversation runs; only actions need the transaction
    context: contextOf(row),
    runAction: () => Promise.reject(NEEDS_TRANSACTION),
    ...deps.lookups(deps.db, orgOf(deps.db, deps.db, row, orgStamp), row.locale),
  };
}

function orgOf(db: Db, q: Queryable, row: ConversationRow, orgStamp: string | null) {
  return conversationOrg(row.org_id, () => orgChain(db, q, row.org_id, orgStamp));
}

function contextOf(row: ConversationRow): MachineEnv['context'] {
  return {
    personId: row.person_id,
    orgId: row.org_id,
    chatId: row.chat_id,
    channel: row.channel,
    chatKind: row.chat_kind,
    locale: row.locale,
  };
}

/**
 * The machine's environment for a turn inside its transaction: actions run in `tx`, and what they
 * leave for after COMMIT goes to `after`.
 */
export async function transactionEnv(
  deps: {
    db: Db;
    actions: ActionRegistry;
    logger: Logger;
    lookups: ConversationLookups;
  },
  tx: Queryable,
  row: ConversationRow,
  orgStamp: string | null,
  after: (() => Promise<void>)[],
): Promise<MachineEnv> {
  const locale = row.locale;
  const org = orgOf(deps.db, tx, row, orgStamp);
  return {
    locale,
    context: contextOf(row),
    runAction: async (step, inputs) => {
      const action = deps.actions.get(step.action);
      if (!action)
        return {
          ok: false,
          message: { 'zh-CN': engineTexts('zh-CN').failed, en: engineTexts('en').failed },
        };
      const parsed = action.input.safeParse(inputs);
      if (!parsed.success) {
        deps.logger.error({ action: step.action, issues: parsed.error.issues }, 'flow action got bad inputs');
        return {
          ok: false,
          message: { 'zh-CN': engineTexts('zh-CN').failed, en: engineTexts('en').failed },
        };
      }
      return action.run(parsed.data, {
        tx,
        db: deps.db,
        personId: row.person_id,
        orgId: row.org_id,
        orgChain: org.chain,
        chatId: row.chat_id,
        chatExternalId: row.chat_external_id,
        channel: row.channel,
        chatKind: row.chat_kind,
        locale,
        dryRun: false,
        afterCommit: (fn) => after.push(fn),
      });
    },
    ...deps.lookups(tx, org, locale),
  };
}
