import type { LinliModule } from '../../app/manifest.js';
import { voteActions } from './actions.js';
import { VoteChatActions } from './chat.js';
import { voteFlow } from './flows/vote-flow.js';
import { proposalRoutes } from './http.js';
import { startVoteWorker } from './moments.js';

/** Owners' votes on proposals, counted under Civil Code Art. 278, with a hash-chained ballot log. */
export const votesModule: LinliModule = {
  name: 'votes',
  routes: (s) => [proposalRoutes(s)],
  chat: (s) => [new VoteChatActions(s.votes)],
  actions: (s, r) => {
    for (const a of voteActions(s.votes)) r.register(a);
  },
  flows: [voteFlow],
  worker: (s, d) => startVoteWorker(d.queues, s.votes, d.logger),
};
