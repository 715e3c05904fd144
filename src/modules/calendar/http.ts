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
          description: [
            'JSON `{holidays, workdays}`, or `text/csv` with one day per line: `date,kind[,note]`,',
            'kind `holiday` (off, 休, 假) or `workday` (work, 班), e.g. `2027-02-07,workday,春节调休`;',
            'a header line, blank lines and `#` lines are skipped. Errors name the JSON field',
            '(`holidays.3`) or the CSV line (`line 5`); nothing is stored unless every date is good.',
          ].join(' '),
          consumes: ['application/json', 'text/csv'],
          params: yearParams,
          body: z.union([arrangement, z.string().max(64_000).describe('the dates as CSV (text/csv)')]),
          response: { 200: calendarSchema, ...errorResponses },
        },
      },
      async (req) => s.calendar.put(actorOf(req), req.params.year, req.body),
    );
  };
