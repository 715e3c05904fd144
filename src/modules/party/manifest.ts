import type { LinliModule } from '../../app/manifest.js';
import { registerPartyActions } from './actions.js';
import { PartyChatActions } from './chat.js';
import { partyRegistrationFlow, taskAcceptFlow, taskCompleteFlow } from './flows/party-flows.js';
import { partyRoutes } from './http.js';
import { startPartyWorker } from './moments.js';

/** Party members reporting to their compound: registration, commitments, tasks pushed to them. */
export const partyModule: LinliModule = {
  name: 'party',
  routes: (s) => [partyRoutes(s)],
  chat: (s, db) => [new PartyChatActions(db, s.party, s.tasks)],
  actions: (s, r) => void registerPartyActions(r, s.party, s.tasks),
  flows: [partyRegistrationFlow, taskAcceptFlow, taskCompleteFlow],
  worker: (s, d) => startPartyWorker(d.queues, s.tasks, s.party, d.logger),
};
