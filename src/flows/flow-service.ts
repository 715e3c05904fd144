import { recordAudit } from '../kernel/access/audit.js';
import { AppError, forbidden, notFound } from '../kernel/access/errors.js';
import { requireOrg, requirePerson } from '../kernel/access/in-scope.js';
import { type Actor, type Principal, scopeOrgId } from '../kernel/access/principal.js';
import type { Db } from '../kernel/db/db.js';
import type { ActionRegistry } from './actions.js';
import { checkFlow, type FlowProblem } from './flow-check.js';
import {
  draftsAt,
  effectiveFlows,
  findDraft,
  latestPublished,
  listVersions,
  publishDraft,
  saveDraft,
  versionOf,
} from './flow-repository.js';
import type { Locale } from './flow-schema.js';
import type { ConversationLookups } from './machine.js';
import { simulate } from './simulator.js';

/**
 * Flows over HTTP: drafts and published versions per org (none: the global defaults, which only
 * a superuser edits). An org's flow overrides the same key above it for its whole subtree.
 */
export class FlowService {
  constructor(
    private readonly db: Db,
    private readonly actions: ActionRegistry,
    private readonly lookups: ConversationLookups,
  ) {}

  /** The org a request means: the one given, else a scoped token's own, else global (null). */
  private async scope(
    p: Principal,
    orgId: number | undefined,
    write: boolean,
  ): Promise<{ orgId: number | null; path: number[] }> {
    const id = orgId ?? scopeOrgId(p);
    if (id === null) {
      if (write && p.kind !== 'superuser') throw forbidden('Only a superuser edits the global flows');
      return { orgId: null, path: [] };
    }
    const org = await requireOrg(this.db, p, id, { field: 'orgId', write });
    return { orgId: id, path: org.path };
  }

  async list(p: Principal, orgId?: number) {
    const scope = await this.scope(p, orgId, false);
    const flows = await effectiveFlows(this.db, scope.path);
    return {
      // the org's own drafts, a new key's among them (not in force until published)
      drafts: (await draftsAt(this.db, scope.orgId)).map((d) => ({
        key: d.key,
        name: d.definition.name,
        updatedAt: d.updatedAt,
        inForce: flows.some((f) => f.key === d.key),
      })),
      items: flows.map((f) => ({
        key: f.key,
        name: f.definition.name,
        version: f.version,
        orgId: f.orgId,
        builtin: f.builtin,
        triggers: f.definition.triggers,
      })),
    };
  }

  async get(p: Principal, key: string, orgId?: number) {
    const scope = await this.scope(p, orgId, false);
    const draft = await findDraft(this.db, scope.orgId, key);
    if (draft)
      return {
        key,
        orgId: scope.orgId,
        status: 'draft' as const,
        version: 0,
        definition: draft.definition,
        updatedAt: draft.updatedAt,
      };
    const own = await latestPublished(this.db, scope.orgId, key);
    if (own)
      return {
        key,
        orgId: scope.orgId,
        status: 'published' as const,
        version: own.version,
        definition: own.definition,
        updatedAt: own.updatedAt,
      };
    const inherited = (await effectiveFlows(this.db, scope.path)).find((f) => f.key === key);
    if (!inherited) throw notFound('flow', key);
    return {
      key,
      orgId: scope.orgId,
      status: 'inherited' as const,
      inheritedFrom: inherited.orgId,
      version: inherited.version,
      definition: inherited.definition,
      updatedAt: inherited.updatedAt,
    };
  }

  async putDraft(actor: Actor, key: string, body: unknown, orgId?: number) {
    const scope = await this.scope(actor.principal, orgId, true);
    const withKey =
      body && typeof body === 'object' && !Array.isArray(body) ? { key, ...(body as object) } : body;
    if (withKey && typeof withKey === 'object' && (withKey as { key?: unknown }).key !== key) {
      throw invalid([{ field: 'key', message: `must be "${key}", the key in the path` }]);
    }
    const checked = checkFlow(withKey, this.actions);
    if (!checked.ok) throw invalid(checked.problems);
    return this.db.transaction(async (tx) => {
      const before = await findDraft(tx, scope.orgId, key);
      const draft = await saveDraft(tx, scope.orgId, checked.flow);
      await recordAudit(tx, actor, {
        action: 'flow.draft',
        objectType: 'flow',
        objectId: key,
        orgId: scope.orgId,
        before: before?.definition,
        after: draft.definition,
      });
      return {
        key,
        orgId: scope.orgId,
        status: 'draft' as const,
        version: 0,
        definition: draft.definition,
        updatedAt: draft.updatedAt,
      };
    });
  }

  async publish(actor: Actor, key: string, orgId?: number) {
    const scope = await this.scope(actor.principal, orgId, true);
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `flow:${scope.orgId ?? 'global'}:${key}`,
      ]);
      const draft = await findDraft(tx, scope.orgId, key);
      if (!draft) throw new AppError(409, 'conflict', `No draft of flow "${key}" to publish: PUT one first`);
      // actions may have changed since the draft was saved
      const checked = checkFlow(draft.definition, this.actions);
      if (!checked.ok) throw invalid(checked.problems);
      const published = await publishDraft(tx, draft);
      await recordAudit(tx, actor, {
        action: 'flow.publish',
        objectType: 'flow',
        objectId: key,
        orgId: scope.orgId,
        after: { version: published.version },
      });
      return { key, orgId: scope.orgId, version: published.version, publishedAt: published.publishedAt! };
    });
  }

  async versions(p: Principal, key: string, orgId?: number) {
    const scope = await this.scope(p, orgId, false);
    const rows = await listVersions(this.db, scope.orgId, key);
    if (rows.length === 0) throw notFound('flow', key);
    return {
      items: rows.map((r) => ({
        version: r.version,
        status: r.version === 0 ? ('draft' as const) : ('published' as const),
        builtin: r.builtin,
        updatedAt: r.updatedAt,
        publishedAt: r.publishedAt,
      })),
    };
  }

  /** One version of a flow at an org (0: its draft), with its definition. */
  async version(p: Principal, key: string, version: number, orgId?: number) {
    const scope = await this.scope(p, orgId, false);
    const row = await versionOf(this.db, scope.orgId, key, version);
    if (!row) throw notFound('flow version', `${key}@${version}`);
    return {
      key,
      orgId: scope.orgId,
      version: row.version,
      status: row.version === 0 ? ('draft' as const) : ('published' as const),
      builtin: row.builtin,
      definition: row.definition,
      updatedAt: row.updatedAt,
      publishedAt: row.publishedAt,
    };
  }

  async simulate(
    p: Principal,
    key: string,
    body: {
      answers: string[];
      locale?: Locale;
      personId?: number;
      chatKind?: 'group' | 'private';
      definition?: unknown;
    },
    orgId?: number,
  ) {
    const current = await this.get(p, key, orgId);
    // the simulated person's data feeds the dry-run actions: only a person of the token's subtree
    if (body.personId !== undefined) await requirePerson(this.db, p, body.personId, { field: 'personId' });
    const source = body.definition ?? current.definition;
    const checked = checkFlow(source, this.actions);
    if (!checked.ok) throw invalid(checked.problems);
    return simulate(this.db, this.actions, this.lookups, checked.flow, {
      answers: body.answers,
      locale: body.locale ?? 'zh-CN',
      orgId: orgId ?? scopeOrgId(p),
      personId: body.personId ?? null,
      chatKind: body.chatKind,
    });
  }
}

function invalid(problems: FlowProblem[]): AppError {
  return new AppError(
    422,
    'invalid_flow',
    `The flow has ${problems.length} problem(s)`,
    problems.map((x) => ({ field: x.stepId ? `steps.${x.stepId}.${x.field}` : x.field, message: x.message })),
  );
}
