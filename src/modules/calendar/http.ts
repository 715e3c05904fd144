import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses } from '../../http/schemas.js';

const yearParams = z.strictObject({ year: z.coerce.number().int().min(2000).max(2100) });
const arrangement = z.strictObject({
  holidays: z
    .array(z.string())
    .max(366)
    .describe('days off, YYYY-MM-DD (weekend days inside a holiday period too)'),
  workdays: z
    .array(z.string())
    .max(366)
    .describe('adjusted working days (调休), usually Saturdays or Sundays'),
});
const calendarSchema = z.object({
  year: z.number(),
  source: z.enum(['operator', 'package', 'fixed_dates']),
  holidays: z.array(z.string()),
  workdays: z.array(z.string()),
  updatedAt: z.date().nullable(),
  updatedBy: z.string().nullable(),
});

export const calendarRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/calendar/:year',
      {
        schema: {
          tags: ['calendar'],
          summary:
            'The official holiday calendar of a year as in force: entered by an operator, the chinese-days package’s, or (neither) the fixed-date holidays only',
          params: yearParams,
          response: { 200: calendarSchema, ...errorResponses },
        },
      },
      async (req) => s.calendar.get(principalOf(req), req.params.year),
    );
    app.put(
      '/calendar/:year',
      {
        schema: {
          tags: ['calendar'],
          summary:
            'Enter a year’s official arrangement (the State Council’s notice; superuser): used by every process within a minute, before the package’s data',
          params: yearParams,
          body: arrangement,
          response: { 200: calendarSchema, ...errorResponses },
        },
      },
      async (req) => s.calendar.put(actorOf(req), req.params.year, req.body),
    );
  };
