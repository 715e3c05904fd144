import type { LinliModule } from '../../app/manifest.js';
import { chatRoutes } from './http.js';

/** Group chats bound to orgs (bind codes, /bind), and the forgetting of old update ids. */
export const chatsModule: LinliModule = {
  name: 'chats',
  routes: (s) => [chatRoutes(s)],
  purges: (s) => [{ name: 'chats', run: () => s.chats.purgeExpired() }],
};
