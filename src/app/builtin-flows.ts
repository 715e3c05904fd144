import type { ActionRegistry } from '../flows/actions.js';
import { checkFlow } from '../flows/flow-check.js';
import { listVersions, publishDefinition, publishDraft, saveDraft } from '../flows/flow-repository.js';
import type { FlowDefinition } from '../flows/flow-schema.js';
import type { Db } from '../kernel/db/db.js';
import { MODULES } from './modules.js';

/** The flows every deployment starts with: each module's, in MODULES order. */
export const BUILTIN_FLOWS: FlowDefinition[] = MODULES.flatMap((m) => m.flows ?? []);

/**
 * Publishes each built-in flow as the global version 1 when no global flow of its key exists, and
 * as the next global version when the code's definition changed since the built-in one last
 * published (a release changing a built-in flow takes effect on start). A global version an admin
 * published (not built-in) is left alone: their edit wins over the code's, and so do org overrides.
 * Conversations already running stay on the version they started with.
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
      const versions = await listVersions(tx, null, def.key);
      if (versions.length > 0) {
        const latest = versions.find((v) => v.version > 0);
        if (!latest?.builtin || canonical(latest.definition) === canonical(checked.flow)) return;
        // published directly: an admin's unpublished draft of the key stays as it is
        await publishDefinition(tx, null, checked.flow, true);
        seeded.push(def.key);
        return;
      }
      await publishDraft(tx, await saveDraft(tx, null, checked.flow, true));
      seeded.push(def.key);
    });
  }
  return seeded;
}

/** JSON with sorted keys: a stored definition (jsonb reorders keys) compares with the code's. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : x,
  );
}
