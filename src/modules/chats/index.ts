/**
 * What the chats module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export type { PrivateAddress, ResidentsGroup } from './repository.js';
export { boundGroups, findChat, privateAddress, privateAddresses, residentsGroups } from './repository.js';
