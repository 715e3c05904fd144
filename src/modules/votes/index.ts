/**
 * What the votes module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export { voteActions } from './actions.js';
export { VoteService } from './commands/proposals.js';
