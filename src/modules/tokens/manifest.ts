import type { LinliModule } from '../../app/manifest.js';
import { tokenAndAuditRoutes } from './http.js';

/** Scoped admin tokens, and the audit log they leave. */
export const tokensModule: LinliModule = {
  name: 'tokens',
  routes: (s) => [tokenAndAuditRoutes(s)],
};
