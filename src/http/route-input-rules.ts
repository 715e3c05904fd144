import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

const NO_QUERY = z.strictObject({});

/**
 * Input rules every route of `app`'s scope follows, whatever its author remembered:
 * - a route with path parameters (`/orgs/:id`) must declare a `params` schema: registering one
 *   without fails at start, so no path parameter reaches a service unchecked;
 * - a route that declares no `querystring` schema takes no query parameters: an unknown one is a
 *   400 naming it, as on the routes that declare theirs (`z.strictObject`).
 */
export function installRouteInputRules(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (/[:*]/.test(route.url) && !schema.params) {
      throw new Error(`route ${route.method} ${route.url} has path parameters but no params schema`);
    }
    if (!schema.querystring) route.schema = { ...schema, querystring: NO_QUERY };
  });
}
