import type { LinliModule } from '../../app/manifest.js';
import { peopleRoutes } from './http.js';

/** People, their roles and their chat identities. */
export const peopleModule: LinliModule = {
  name: 'people',
  routes: (s) => [peopleRoutes(s)],
};
