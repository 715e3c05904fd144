import { SYSTEM_ACTOR } from '../../src/domain/principal.js';
import type { Services } from '../../src/services.js';

/** city → district → subdistrict → community → compound, through the real service; returns the ids. */
export async function seedCompoundChain(s: Services, compoundName = '阳光小区') {
  const mk = async (
    kind: 'city' | 'district' | 'subdistrict' | 'community' | 'compound',
    name: string,
    parentId?: number,
  ) => (await s.orgs.create(SYSTEM_ACTOR, { kind, name, parentId })).id;
  const city = await mk('city', '市');
  const district = await mk('district', '区', city);
  const subdistrict = await mk('subdistrict', '街道', district);
  const community = await mk('community', '和平社区', subdistrict);
  const compound = await mk('compound', compoundName, community);
  return { city, district, subdistrict, community, compound };
}
