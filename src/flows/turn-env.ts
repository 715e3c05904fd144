import type { Logger } from 'pino';
import { orgChain } from '../kernel/access/org-chain.js';
import type { Db, Queryable } from '../kernel/db/db.js';
import type { ActionRegistry } from './actions.js';
import { engineTexts } from './engine-texts.js';
import {
  type ConversationLookups,
  type ConversationOrg,
  conversationOrg,
  type MachineEnv,
} from './machine.js';
import type { ConversationRow } from './turn-context.js';

/** Thrown by the read-only environment when a turn reaches an action: the turn needs a transaction. */
export const NEEDS_TRANSACTION = Symbol('needs a transaction');

/**
 * The machine's environment for a turn computed outside a transaction: an action stops it.
 * `orgStamp`: the stamp of the conversation's org chain as the turn's first read saw it (null:
 * none seen, the chain is read afresh when needed).
 */
export function readEnv(
  deps: { db: Db; actions: ActionRegistry; logger: Logger; lookups: ConversationLookups },
  row: ConversationRow,
  orgStamp: string | null,
): MachineEnv {
  const org = orgOf(deps.db, deps.db, row, orgStamp);
  return {
    locale: row.locale,
    // branches read where the conversation runs; only actions that write need the transaction
    context: contextOf(row),
    runAction: actionRunner(deps, deps.db, row, org, null),
    ...deps.lookups(deps.db, org, row.locale),
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
  const org = orgOf(deps.db, tx, row, orgStamp);
  return {
    locale: row.locale,
    context: contextOf(row),
    runAction: actionRunner(deps, tx, row, org, after),
    ...deps.lookups(tx, org, row.locale),
  };
}

/**
 * How the machine runs a step's action: its inputs checked, then run in `tx`. Outside a
 * transaction (`after` null) only a read-only action runs; any other stops the turn
 * (NEEDS_TRANSACTION), to be taken again on the slow path.
 */
function actionRunner(
  deps: { db: Db; actions: ActionRegistry; logger: Logger },
  tx: Queryable,
  row: ConversationRow,
  org: ConversationOrg,
  after: (() => Promise<void>)[] | null,
): MachineEnv['runAction'] {
  const failed = { 'zh-CN': engineTexts('zh-CN').failed, en: engineTexts('en').failed };
  return async (step, inputs) => {
    const action = deps.actions.get(step.action);
    if (after === null && !action?.readOnly) throw NEEDS_TRANSACTION;
    if (!action) return { ok: false, message: failed };
    const parsed = action.input.safeParse(inputs);
    if (!parsed.success) {
      deps.logger.error({ action: step.action, issues: parsed.error.issues }, 'flow action got bad inputs');
      return { ok: false, message: failed };
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
      locale: row.locale,
      dryRun: false,
      afterCommit: (fn) => {
        // a read-only action promised not to: its work would be lost with no transaction to follow
        if (after === null) throw new Error(`read-only action ${action.name} left work for after COMMIT`);
        after.push(fn);
      },
    });
  };
}
