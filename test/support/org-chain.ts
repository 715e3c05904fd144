import type { Services } from '../../src/app/modules.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';

/** Names for the levels above the community that look like a real address. */
export const SHANGHAI = { city: '上海市', district: '浦东新区', subdistrict: '花木街道' };

/** city → district → subdistrict → community → compound, through the real service; returns the ids. */
export async function seedCompoundChain(
  s: Services,
  compoundName = '阳光小区',
  upper = { city: '市', district: '区', subdistrict: '街道' },
) {
  const mk = async (
    kind: 'city' | 'district' | 'subdistrict' | 'community' | 'compound',
    name: string,
    parentId?: number,
  ) => (await s.orgs.create(SYSTEM_ACTOR, { kind, name, parentId })).id;
  const city = await mk('city', upper.city);
  const district = await mk('district', upper.district, city);
  const subdistrict = await mk('subdistrict', upper.subdistrict, district);
  const community = await mk('community', '和平社区', subdistrict);
  const compound = await mk('compound', compoundName, community);
  return { city, district, subdistrict, community, compound };
}
