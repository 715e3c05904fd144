import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { bodyLeftToHandler, errorResponses, idParams, listOf } from '../../http/schemas.js';
import { badRequest } from '../../kernel/access/errors.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { parseCsvUnits, parseJsonUnits } from './import-parse.js';
import { importResultSchema, unitInput, unitSchema } from './schema.js';

export const unitRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/orgs/:id/units',
      {
        schema: {
          tags: ['units'],
          summary: 'Import units and owners into a compound (JSON list or text/csv), all or nothing',
          description:
            'CSV header: building,unit,room,area,owner_name,owner_phone,voter — one row per owner. ' +
            'Every bad row is reported in error.details with its row number; nothing is written then.',
          params: idParams,
          body: z
            .union([z.array(unitInput), z.object({ units: z.array(z.unknown()) }), z.string()])
            .optional(),
          response: { 200: importResultSchema, ...errorResponses },
        },
        // the import parser checks the body (and reports every bad row)
        validatorCompiler: bodyLeftToHandler,
      },
      async (req) => {
        const parsed = typeof req.body === 'string' ? parseCsvUnits(req.body) : parseJsonUnits(req.body);
        if (!parsed.ok) {
          const first = parsed.errors[0];
          throw badRequest(
            `Import rejected: ${parsed.errors.length} problem(s)${first ? `, first at ${first.row ? `row ${first.row} ` : ''}${first.field ?? ''}: ${first.message}` : ''}`,
            parsed.errors,
          );
        }
        return s.units.importUnits(actorOf(req), req.params.id, parsed.units);
      },
    );
    app.get(
      '/orgs/:id/units',
      {
        schema: {
          tags: ['units'],
          params: idParams,
          querystring: z.strictObject({ building: z.string().max(50).optional(), ...pageQuery }),
          response: { 200: listOf(unitSchema), ...errorResponses },
        },
      },
      async (req) => s.units.list(principalOf(req), req.params.id, req.query),
    );
  };
