import type { LinliModule } from '../../app/manifest.js';
import { registerUnitActions } from './actions.js';
import { registrationFlow } from './flows/registration-flow.js';
import { unitRoutes } from './http.js';

/** The unit register (buildings, units, owners, floor areas) and residents' registration. */
export const unitsModule: LinliModule = {
  name: 'units',
  routes: (s) => [unitRoutes(s)],
  actions: (_s, r) => void registerUnitActions(r),
  flows: [registrationFlow],
};
