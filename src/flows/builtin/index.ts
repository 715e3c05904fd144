import type { Db } from '../../db/db.js';
import type { ActionRegistry } from '../actions.js';
import { checkFlow } from '../flow-check.js';
import { listVersions, publishDraft, saveDraft } from '../flow-repository.js';
import type { FlowDefinition } from '../flow-schema.js';
import { complaintFlow } from './complaint-flow.js';
import { evaluationFlow } from './evaluation-flow.js';
import { handlerNoteFlow } from './handler-note-flow.js';
import { partyRegistrationFlow, taskAcceptFlow, taskCompleteFlow } from './party-flows.js';
import { ratingFlow } from './rating-flow.js';
import { registrationFlow } from './registration-flow.js';
import { voteFlow } from './vote-flow.js';

/** The flows every deployment starts with; vote and task flows come with their modules. */
export const BUILTIN_FLOWS: FlowDefinition[] = [
  complaintFlow,
  registrationFlow,
  ratingFlow,
  handlerNoteFlow,
  voteFlow,
  evaluationFlow,
  partyRegistrationFlow,
  taskAcceptFlow,
  taskCompleteFlow,
];

/**
 * Publishes each built-in flow as the global version 1 when no global flow of its key exists.
 * Admins edit them like any flow (PUT without orgId as superuser, or per org to override).
 */
export async function seedBuiltinFlows(
  db: Db,
  actions: ActionRegistry,
  flows = BUILTIN_FLOWS,
): Promise<string[]> {
  const seeded: string[] = [];
  for (const def of flows) {
    const checked = checkFlow(def, actions);
    if (!checked.ok)
      throw new Error(`built-in flow ${def.key} is invalid: ${JSON.stringify(checked.problems)}`);
    await db.transaction(async (tx) => {
      // two instances starting together seed once
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('linli-builtin-flows'))`);
      if ((await listVersions(tx, null, def.key)).length > 0) return;
      await publishDraft(tx, await saveDraft(tx, null, checked.flow, true));
      seeded.push(def.key);
    });
  }
  return seeded;
}
