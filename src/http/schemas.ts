import { z } from 'zod';

/** Shapes shared by every route's schema (and so by the OpenAPI document). */
export const idParams = z.strictObject({ id: z.coerce.number().int().positive() });

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(
      z.object({ field: z.string().optional(), row: z.number().optional(), message: z.string() }),
    ),
  }),
});

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
} as const;

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
