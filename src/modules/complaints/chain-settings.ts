import { nearestSetting, type OrgChain, upToCompound } from '../../kernel/access/org-chain.js';
import type { Category } from './categories.js';
import { categoriesOn } from './categories.js';
import type { EscalationPolicy } from './escalation-policy.js';
import type { DispatchMode } from './repository-settings.js';

/**
 * What orgs set for complaints in `orgs.settings`, read off a compound's chain (`orgChain`): the
 * nearest org that sets a thing wins. The chain is read once for all of them.
 */

/**
 * The dispatch mode of a category at a compound: the nearest org whose `settings.dispatch` names
 * the category, else `*` (an org naming the category wins over a `*` of the same org); null when
 * none does (the default, `assign`).
 */
export function dispatchModeOn(chain: OrgChain, category: string): DispatchMode | null {
  return (
    nearestSetting(chain, (s) => {
      const d = s.dispatch as Record<string, DispatchMode> | undefined;
      if (!d || typeof d !== 'object') return undefined;
      return Object.hasOwn(d, category) ? d[category] : Object.hasOwn(d, '*') ? d['*'] : undefined;
    }) ?? null
  );
}

/** The role the nearest `settings.categoryRoles` on the compound's chain names for the category, or null. */
export function categoryRoleOn(chain: OrgChain, category: string): string | null {
  return (
    nearestSetting(chain, (s) => {
      const r = s.categoryRoles as Record<string, string | null> | undefined;
      return r && typeof r === 'object' && Object.hasOwn(r, category) ? r[category] : undefined;
    }) ?? null
  );
}

/** The category as the compound names it (its list, or the one above it, or the built-in one), if it is there. */
export function categoryOn(chain: OrgChain, code: string): Category | undefined {
  return categoriesOn(chain).find((x) => x.code === code);
}

/** The escalation policies on a compound's chain, nearest first, as `policiesFor` of the compound answers. */
export function policiesOn(chain: OrgChain): { orgId: number; policy: EscalationPolicy }[] {
  return upToCompound(chain)
    .filter((o) => o.escalationPolicy !== null)
    .reverse()
    .map((o) => ({ orgId: o.id, policy: o.escalationPolicy as EscalationPolicy }));
}
