import { api, must } from '../api/client';
import type { Org, Schemas } from '../api/types';

export type RoleAssignment = Schemas['RoleAssignment'];
export type Category = Schemas['ComplaintCategories']['items'][number];
export type EscalationPolicy = Schemas['EscalationPolicy'];
export type DutyRoster = Schemas['DutyRoster'];
export type BindCode = Schemas['BindCode'];

/** Every role assignment at an org (the list is paged by nextCursor). */
export async function rolesAt(orgId: number): Promise<RoleAssignment[]> {
  const out: RoleAssignment[] = [];
  let cursor: string | undefined;
  do {
    const page = await must(
      api.GET('/api/v1/orgs/{id}/roles', { params: { path: { id: orgId }, query: { limit: 200, cursor } } }),
    );
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The complaint categories in force at an org (its own, else the nearest ancestor's, else built in). */
export async function categoriesAt(orgId: number): Promise<Category[]> {
  return (await must(api.GET('/api/v1/orgs/{id}/complaint-categories', { params: { path: { id: orgId } } })))
    .items;
}

/** The kind of an org's children, and of its parent (null at the bottom and the top). */
export const CHILD: Record<Org['kind'], Org['kind'] | null> = {
  city: 'district',
  district: 'subdistrict',
  subdistrict: 'community',
  community: 'compound',
  compound: 'building',
  building: null,
};
export const PARENT: Record<Org['kind'], Org['kind'] | null> = {
  city: null,
  district: 'city',
  subdistrict: 'district',
  community: 'subdistrict',
  compound: 'community',
  building: 'compound',
};

/** The roles a person can hold at an org (the API's enum). */
export const ROLES = [
  'admin',
  'handler',
  'grid_worker',
  'property_manager',
  'committee_member',
  'party_secretary',
  'party_member',
  'resident',
  'owner',
  'branch_secretary',
] as const satisfies readonly RoleAssignment['role'][];

/**
 * An ISO 8601 duration (PT2H, P3D, P1DT12H30M) in words, or null when it does not read as one (the
 * server is the judge: it answers a bad one at its field).
 */
export function durationWords(iso: string, en: boolean): string | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso.trim());
  if (!m || iso.trim() === 'P' || iso.trim().endsWith('T')) return null;
  const units = en ? ['d', 'h', 'min', 's'] : [' 天', ' 小时', ' 分钟', ' 秒'];
  const parts = m
    .slice(1)
    .map((n, i) => (n && Number(n) > 0 ? `${Number(n)}${units[i]}` : ''))
    .filter(Boolean);
  return parts.length ? parts.join(en ? ' ' : ' ') : null;
}
