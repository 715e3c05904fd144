/**
 * What the orgs module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export { compoundOf, findOrg, insertOrg, orgPath } from './repository.js';
export type { Org, OrgKind } from './schema.js';
