/**
 * What the people module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export { type MergeOutcome, mergePeople } from './merge.js';
export {
  findPersonByIdentity,
  insertIdentity,
  insertPerson,
  insertRole,
  otherPrivateAddress,
  personInSubtree,
} from './repository.js';
export type { Role } from './schema.js';
export { CHANNELS, phoneSchema, ROLES } from './schema.js';
