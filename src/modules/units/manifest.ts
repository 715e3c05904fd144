import type { LinliModule } from '../../app/manifest.js';
import { registerUnitActions } from './actions.js';
import { UnitChatActions } from './chat.js';
import { registrationFlow } from './flows/registration-flow.js';
import { unitRoutes } from './http.js';
import { claimRoutes } from './http-claims.js';
import { LinkChat } from './link-chat.js';
import { linkCodeRoutes } from './link-codes-http.js';
import { purgeLinkFailures } from './linking.js';

/**
 * The unit register (buildings, units, owners, floor areas), residents' claims on units and their
 * approval, and linking chat accounts to the register's owners (verification codes, a shared phone
 * number).
 */
export const unitsModule: LinliModule = {
  name: 'units',
  routes: (s) => [unitRoutes(s), claimRoutes(s), linkCodeRoutes(s)],
  chat: (s) => [new UnitChatActions(s.claims), new LinkChat(s.links)],
  actions: (s, r) => void registerUnitActions(r, s.claims),
  flows: [registrationFlow],
  purges: (s) => [{ name: 'link-failures', run: () => purgeLinkFailures(s.links.database) }],
};
