import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { z } from 'zod';

/**
 * A route's `config.swaggerTransform` documenting its request body per content type, each with its
 * own schema (an import's JSON list, its CSV text, its .xlsx bytes): the zod transform documents a
 * route's one `body` schema under every type of `consumes`. Only the document changes: the route's
 * `body` schema, what validation and the handler's types stand on, stays as it is. The schemas are
 * converted as the zod transform converts every other (input side, OpenAPI 3.0 target).
 */
export function bodiesByContentType(bodies: Record<string, z.ZodType>): SwaggerTransform {
  return (doc) => {
    const out = jsonSchemaTransform(doc);
    const content = Object.fromEntries(
      Object.entries(bodies).map(([type, body]) => [
        type,
        { schema: jsonSchemaTransform({ ...doc, schema: { body } }).schema.body },
      ]),
    );
    return { ...out, schema: { ...out.schema, body: { content } } };
  };
}
