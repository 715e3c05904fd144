import type { LinliModule } from '../../app/manifest.js';
import { registrationFlow } from './flows/registration-flow.js';
import { unitRoutes } from './http.js';
import { LinkChat } from './link-chat.js';
import { linkCodeRoutes } from './link-codes-http.js';
import { purgeLinkFailures } from './linking.js';

/**
 * The unit register (buildings, units, owners, floor areas), residents' registration, and linking
 * chat accounts to the register's owners (verification codes, a shared phone number).
 */
export const unitsModule: LinliModule = {
  name: 'units',
  routes: (s) => [unitRoutes(s), linkCodeRoutes(s)],
  chat: (s) => [new LinkChat(s.links)],
  flows: [registrationFlow],
  purges: (s) => [{ name: 'link-failures', run: () => purgeLinkFailures(s.links.database) }],
};
