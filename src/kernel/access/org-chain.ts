import type { Db, Queryable } from '../db/db.js';

/** An org on a chain, with what conversations look up in it (its kind, name and settings). */
export interface ChainOrg {
  id: number;
  kind: string;
  name: string;
  settings: Record<string, unknown>;
  /**
   * the org's own escalation policy (`linli.escalation_policies`), null when it sets none: a filing
   * needs its compound's chain of them, so they come with the chain and its stamp covers them too
   */
  escalationPolicy: unknown;
}

/** An org's chain: the city first, the org itself last; empty for no org (or one that is gone). */
export type OrgChain = readonly ChainOrg[];

/**
 * An org's chain as a turn sees it: what conversations and their actions look up in their org
 * (the compound, its category list, its dispatch settings) without a statement each.
 *
 * Contract: the chain is read in one statement and kept per process (per `Db`), with its stamp:
 * every org of the chain's id and `xmin`, which changes with any update of the row (a rename, a
 * move, new settings) and with the chain itself (an org moved or removed), and the `xmin` of its
 * escalation policy row (set, replaced or removed). A turn's first read
 * (`TurnContexts`) reads the stamp of its conversation's org beside everything else it reads
 * (`ORG_STAMP_SQL`): the kept chain is used only when its stamp is the one that read saw, so a
 * turn never sees settings older than its first statement did (as if it read them then);
 * otherwise, and without a stamp, the chain is read again. No transaction order is assumed: an
 * xmin is compared for equality, never for age (a timestamp or a sequence would be seen before the
 * transaction that took it commits).
 */
export async function orgChain(
  cacheOf: Db,
  q: Queryable,
  orgId: number | null,
  stamp: string | null,
): Promise<OrgChain> {
  if (orgId === null) return [];
  const cache = caches.get(cacheOf) ?? new Map<number, Kept>();
  caches.set(cacheOf, cache);
  const kept = cache.get(orgId);
  if (stamp !== null && kept?.stamp === stamp) return kept.chain;
  const { rows } = await q.query<ChainOrg & { policy: unknown; mark: string }>(
    `SELECT a.id, a.kind, a.name, a.settings, p.policy, ${mark('a', 'p')} AS mark
       FROM linli.orgs o JOIN linli.orgs a ON a.id = ANY(o.path)
       LEFT JOIN linli.escalation_policies p ON p.org_id = a.id
      WHERE o.id = $1
      ORDER BY array_position(o.path, a.id)`,
    [orgId],
    { prepare: 'linli_org_chain_v2' },
  );
  const chain: OrgChain = rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    name: r.name,
    settings: r.settings ?? {},
    escalationPolicy: r.policy ?? null,
  }));
  if (cache.size >= MAX_KEPT) cache.clear();
  cache.set(orgId, { stamp: stampOf(rows.map((r) => r.mark)), chain });
  return chain;
}

/**
 * The stamp of the chain of the org whose id `orgIdSql` names, as an SQL expression (null when
 * there is no such org): every org on the chain's `id:xmin:policy xmin`, ordered by id, comma-separated —
 * what `orgChain` computes from the marks it reads.
 */
export function orgStampSql(orgIdSql: string): string {
  // aliases of their own: `orgIdSql` names columns of the outer query (its `p`, its `c`), which an
  // inner alias of the same name would shadow
  return `(SELECT string_agg(${mark('stamp_o', 'stamp_p')}, ',' ORDER BY stamp_o.id)
             FROM linli.orgs stamp_of JOIN linli.orgs stamp_o ON stamp_o.id = ANY(stamp_of.path)
             LEFT JOIN linli.escalation_policies stamp_p ON stamp_p.org_id = stamp_o.id
            WHERE stamp_of.id = ${orgIdSql})`;
}

/** An org's part of the stamp: `id:xmin:policy xmin` (`-` without a policy), the org and its policy by their aliases. */
function mark(org: string, policy: string): string {
  return `${org}.id || ':' || ${org}.xmin || ':' || COALESCE(${policy}.xmin::text, '-')`;
}

function stampOf(marks: string[]): string | null {
  if (marks.length === 0) return null;
  return marks
    .map((m) => ({ m, id: Number(m.slice(0, m.indexOf(':'))) }))
    .sort((a, b) => a.id - b.id)
    .map((x) => x.m)
    .join(',');
}

interface Kept {
  stamp: string | null;
  chain: OrgChain;
}

/** A process knows a few thousand orgs at most; past this many kept chains, start over. */
const MAX_KEPT = 20_000;

const caches = new WeakMap<Db, Map<number, Kept>>();

/** The compound on a chain (the org itself, or the one above a building), or null. */
export function compoundIn(chain: OrgChain): ChainOrg | null {
  return chain.find((o) => o.kind === 'compound') ?? null;
}

/**
 * The nearest value of a setting on a chain: the last org for which `read` answers something
 * other than undefined wins; undefined when none does.
 */
export function nearestSetting<T>(
  chain: OrgChain,
  read: (settings: Record<string, unknown>) => T | undefined,
): T | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const v = read(chain[i]!.settings);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** The chain up to and including its compound (a building below keeps the compound's settings); the whole chain without one. */
export function upToCompound(chain: OrgChain): OrgChain {
  const i = chain.findIndex((o) => o.kind === 'compound');
  return i < 0 ? chain : chain.slice(0, i + 1);
}
