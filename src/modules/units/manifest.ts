import type { LinliModule } from '../../app/manifest.js';
import { registerUnitActions } from './actions.js';
import { UnitChatActions } from './chat.js';
import { registrationFlow } from './flows/registration-flow.js';
import { unitRoutes } from './http.js';
import { claimRoutes } from './http-claims.js';

/** The unit register (buildings, units, owners, floor areas), residents' claims on units and their approval. */
export const unitsModule: LinliModule = {
  name: 'units',
  routes: (s) => [unitRoutes(s), claimRoutes(s)],
  chat: (s) => [new UnitChatActions(s.claims)],
  actions: (s, r) => void registerUnitActions(r, s.claims),
  flows: [registrationFlow],
};
