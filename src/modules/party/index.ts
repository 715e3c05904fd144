/**
 * What the party module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export { registerPartyActions } from './actions.js';
export { PartyService } from './commands/members.js';
export { TaskService } from './commands/tasks.js';
