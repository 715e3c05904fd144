import { nearestSetting, type OrgChain, upToCompound } from '../../kernel/access/org-chain.js';
import type { Queryable } from '../../kernel/db/db.js';
import { nearestCategories } from './repository-settings.js';

/**
 * Complaint categories: the usual ones from the seeds (domain.md). A compound (or any org
 * above it) may set its own list in `orgs.settings.complaintCategories`; the nearest wins.
 */
export interface Category {
  code: string;
  zh: string;
  en: string;
}

export const DEFAULT_CATEGORIES: Category[] = [
  { code: 'repairs', zh: '公共设施维修', en: 'Repairs of common parts' },
  { code: 'sanitation', zh: '垃圾/卫生', en: 'Garbage and sanitation' },
  { code: 'parking', zh: '停车', en: 'Parking' },
  { code: 'noise', zh: '噪音扰民', en: 'Noise' },
  { code: 'lifts', zh: '电梯', en: 'Lifts' },
  { code: 'security', zh: '安保', en: 'Security' },
  { code: 'greening', zh: '绿化', en: 'Greening' },
  { code: 'falling_objects', zh: '高空抛物', en: 'Objects thrown from height' },
  { code: 'fees', zh: '物业费/公共收益', en: 'Property fees and transparency' },
  { code: 'disputes', zh: '邻里纠纷', en: 'Disputes between neighbours' },
  { code: 'other', zh: '其他', en: 'Other' },
];

export async function categoriesFor(q: Queryable, orgId: number | null): Promise<Category[]> {
  if (orgId === null) return DEFAULT_CATEGORIES;
  return (await nearestCategories(q, orgId)) ?? DEFAULT_CATEGORIES;
}

/**
 * The categories in force for a conversation's org, from its chain: the nearest list at or above
 * its compound (a building below the compound keeps the compound's), as `categoriesFor` of the
 * compound answers; the built-in list when none sets one.
 */
export function categoriesOn(chain: OrgChain): Category[] {
  return (
    nearestSetting(upToCompound(chain), (s) =>
      'complaintCategories' in s ? ((s.complaintCategories as Category[] | null) ?? null) : undefined,
    ) ?? DEFAULT_CATEGORIES
  );
}
