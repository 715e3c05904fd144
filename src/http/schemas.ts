import type { FastifyRouteSchemaDef, FastifyValidationResult } from 'fastify/types/schema.js';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Shapes shared by every route's schema (and so by the OpenAPI document). */
export const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

const EARLIEST = new Date('1900-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');

/**
 * An instant (ISO 8601 text, or epoch milliseconds) between the years 1900 and 9999: a JS Date
 * reaches ±275,760 years, PostgreSQL's timestamptz 4713 BC–294276 AD, so the bounds keep every
 * accepted date storable and comparable there.
 */
export const instant = z.coerce
  .date()
  .min(EARLIEST, 'must be in the years 1900–9999')
  .max(LATEST, 'must be in the years 1900–9999');

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(
        z.object({ field: z.string().optional(), row: z.number().optional(), message: z.string() }),
      ),
    }),
  })
  .meta({ id: 'Error' });

/** What every admin API route may answer beside its own: 429 is the failed-authentication limit. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  429: errorSchema,
} as const;

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * A route's validator compiler when its handler checks the body itself (the unit import reports
 * per row): the body passes as it came, params and querystring are validated like on every route.
 */
export function bodyLeftToHandler<S>(part: FastifyRouteSchemaDef<S>): FastifyValidationResult {
  if (part.httpPart === 'body') return (data: unknown) => ({ value: data });
  // at run time `part.schema` is the zod schema of that part (params or querystring)
  return validatorCompiler(part as unknown as FastifyRouteSchemaDef<z.ZodType>);
}

/**
 * A 2xx whose body is not JSON (a CSV export, a PNG): documented under its own content type while
 * the route's errors stay JSON (`errorResponses`). The handler sends a string or a Buffer with that
 * type, which fastify passes through unserialized.
 */
export function fileResponse(contentType: 'text/csv' | 'image/png', description: string) {
  const schema =
    contentType === 'image/png'
      ? z.instanceof(Buffer).meta({ type: 'string', format: 'binary', description })
      : z.string().meta({ description });
  return { description, content: { [contentType]: { schema } } };
}
