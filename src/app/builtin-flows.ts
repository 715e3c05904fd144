import type { ActionRegistry } from '../flows/actions.js';
import { checkFlow } from '../flows/flow-check.js';
import { listVersions, publishDraft, saveDraft } from '../flows/flow-repository.js';
import type { FlowDefinition } from '../flows/flow-schema.js';
import type { Db } from '../kernel/db/db.js';
import { MODULES } from './modules.js';

/** The flows every deployment starts with: each module's, in MODULES order. */
export const BUILTIN_FLOWS: FlowDefinition[] = MODULES.flatMap((m) => m.flows ?? []);

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
