import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema } from './schemas.js';

const NO_QUERY = z.strictObject({});

/**
 * Input rules every route of `app`'s scope follows, whatever its author remembered:
 * - a route with path parameters (`/orgs/:id`) must declare a `params` schema: registering one
 *   without fails at start, so no path parameter reaches a service unchecked;
 * - a route that declares no `querystring` schema takes no query parameters: an unknown one is a
 *   400 naming it, as on the routes that declare theirs (`z.strictObject`);
 * and, behind a bearer token, that it answers 401 and 429 (the failed-authentication limit).
 */
export function installRouteInputRules(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (/[:*]/.test(route.url) && !schema.params) {
      throw new Error(`route ${route.method} ${route.url} has path parameters but no params schema`);
    }
    const next: Record<string, unknown> = { ...schema };
    if (!schema.querystring) next.querystring = NO_QUERY;
    next.response = { 401: errorSchema, 429: errorSchema, ...((schema.response as object) ?? {}) };
    route.schema = next;
  });
}

/**
 * What every operation of `app`'s scope says of itself in the OpenAPI document:
 * - an `operationId` derived from its method and path unless it names one (`GET
 *   /api/v1/orgs/:id/units` → `getOrgsByIdUnits`, the common prefix left out): unique, as the paths are;
 * - a route under `dropPrefix` (the admin API) may answer 500 (the error body with a request id);
 *   one that takes a body answers 413 (over BODY_LIMIT_BYTES)
 *   and 415 (a content type it does not read), documented with the admin API's error body (Open311
 *   has its own error format, which its routes document themselves).
 */
export function installOperationDocs(app: FastifyInstance, o: { dropPrefix?: string } = {}): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    const method = Array.isArray(route.method) ? route.method[0] : route.method;
    if (typeof method !== 'string' || method === 'HEAD') return;
    const next: Record<string, unknown> = { ...schema };
    const admin = o.dropPrefix !== undefined && route.url.startsWith(o.dropPrefix);
    const path = admin ? route.url.slice(o.dropPrefix?.length ?? 0) : route.url;
    if (!schema.operationId) next.operationId = operationIdOf(method, path);
    // every admin route may fail inside (the database away): 500 with the error body and a request id
    if (admin) next.response = { 500: errorSchema, ...((schema.response as object) ?? {}) };
    if (schema.body && admin)
      next.response = { 413: errorSchema, 415: errorSchema, ...((next.response as object) ?? {}) };
    route.schema = next;
  });
}

/** `GET`, `/orgs/:id/digest.png` → `getOrgsByIdDigestPng` */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((seg) =>
      seg.startsWith(':')
        ? `By${cap(seg.slice(1))}`
        : seg
            .split(/[^A-Za-z0-9]+/)
            .filter(Boolean)
            .map(cap)
            .join(''),
    );
  return `${method.toLowerCase()}${words.join('')}`;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
