import type { LinliModule } from '../../app/manifest.js';
import { orgRoutes } from './http.js';

/** The org tree: city → district → subdistrict → community → compound → building. */
export const orgsModule: LinliModule = {
  name: 'orgs',
  routes: (s) => [orgRoutes(s)],
};
