import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { bodiesByContentType } from '../../http/request-bodies.js';
import { bodyLeftToHandler, errorResponses, idParams, listOf } from '../../http/schemas.js';
import { badRequest } from '../../kernel/access/errors.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { FILE_TYPES, unitsOfBody } from './import-body.js';
import { XLSX_TYPE } from './import-xlsx.js';
import { COLUMN_NAMES_ZH, CSV_COLUMNS, importResultSchema, unitInput, unitSchema } from './schema.js';

/**
 * The import's body limit, above the app's (BODY_LIMIT_BYTES, 1 MiB by default): a register of
 * 20,000 owner rows is about 2 MB of CSV; an .xlsx is smaller, and what it unpacks to is bounded
 * on its own (import-xlsx.ts).
 */
export const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;

const IMPORT_DESCRIPTION = [
  'Header row: building,unit,room,area,owner_name,owner_phone,voter (the last three optional), or',
  'the Chinese names 楼栋,单元,房号,专有面积,业主姓名,业主电话,投票人 (also 栋, 室, 面积, 姓名, 电话, 手机…);',
  'one row per owner, a co-owned unit repeating its address.',
  '',
  'Bodies: `application/json` (a list of units or {"units": [...]}); `text/csv` (or `text/plain`) in',
  'UTF-8, with or without BOM, or GB18030/GBK as Excel on Chinese Windows saves "CSV (逗号分隔)" —',
  'a `charset` parameter wins, else valid UTF-8 is UTF-8 and anything else is tried as GB18030;',
  '`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (.xlsx: the first sheet,',
  'up to 5 title rows above the header passed over, row numbers as Excel shows them); `application/octet-stream`',
  'or `application/vnd.ms-excel`: .xlsx when the bytes are a zip archive, else CSV. Up to 8 MiB.',
  '',
  'Refused with 400 and nothing written: bytes that decode in neither encoding, U+FFFD or control',
  'characters in the text, GBK user-defined (private-use) characters, UTF-16 files, legacy .xls, a',
  'file that is not a readable .xlsx, cells holding errors or dates (error.details names the field',
  "`encoding`, `format`, `xlsx` or the cell's column, and the row), and every bad row.",
  '',
  '`?dryRun=true`: the same import run and rolled back, so its answer (the counts, or the 400 with',
  'every bad row) is what the import would do now; nothing is written, nothing audited. A viewer',
  'gets 403 as for the import.',
].join('\n');

const csvText = z
  .string()
  .describe(
    [
      `CSV text, UTF-8 (BOM or not) or GB18030/GBK. Header row: ${CSV_COLUMNS.join(',')} (the last three optional),`,
      `or by their Chinese names: ${CSV_COLUMNS.map((c) => COLUMN_NAMES_ZH[c].join('/')).join(', ')}.`,
      'One row per owner: a co-owned unit repeats its address and area; voter: 1, true, yes, 是 or y.',
    ].join(' '),
  );
const bytes = (description: string) => z.string().meta({ format: 'binary', description });

/** The import's body as documented, by content type (what `unitsOfBody` reads of each). */
const importBodies = {
  'application/json': z
    .union([z.array(unitInput), z.object({ units: z.array(unitInput) })])
    .describe('the units, as a list or as {"units": [...]}'),
  'text/csv': csvText,
  'text/plain': csvText,
  [XLSX_TYPE]: bytes(
    'an .xlsx workbook: its first sheet, the header row as in CSV (up to 5 title rows above it passed over)',
  ),
  'application/octet-stream': bytes('an .xlsx when the bytes are a zip archive, else CSV text'),
  'application/vnd.ms-excel': bytes(
    'what browsers on Windows call a .csv when Excel is installed: an .xlsx when a zip archive, else CSV text (a legacy .xls is refused)',
  ),
} satisfies Record<'application/json' | (typeof FILE_TYPES)[number], z.ZodType>;

export const unitRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    // Files come as bytes: the import decides their encoding (import-decode.ts), so a GBK CSV is
    // not read as UTF-8 into mojibake as the app-wide text parser would. These parsers serve this
    // plugin's routes only.
    for (const type of ['text/csv', 'text/plain']) app.removeContentTypeParser(type);
    app.addContentTypeParser([...FILE_TYPES], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post(
      '/orgs/:id/units',
      {
        schema: {
          tags: ['units'],
          summary: 'Import units and owners into a compound (JSON, CSV or .xlsx), all or nothing',
          description: IMPORT_DESCRIPTION,
          params: idParams,
          querystring: z.strictObject({
            dryRun: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional()
              .describe(
                'true: check the file and answer what the import would do (the same counts, or the same 400 listing every bad row), writing nothing',
              ),
          }),
          body: z
            .union([z.array(unitInput), z.object({ units: z.array(z.unknown()) }), z.string()])
            .optional(),
          response: { 200: importResultSchema, ...errorResponses },
        },
        config: { swaggerTransform: bodiesByContentType(importBodies) },
        // the import parser checks the body (and reports every bad row)
        validatorCompiler: bodyLeftToHandler,
        bodyLimit: IMPORT_BODY_LIMIT,
      },
      async (req) => {
        const parsed = await unitsOfBody(req.body, req.headers['content-type']);
        if (!parsed.ok) {
          const first = parsed.errors[0];
          throw badRequest(
            `Import rejected: ${parsed.errors.length} problem(s)${first ? `, first at ${first.row ? `row ${first.row} ` : ''}${first.field ?? ''}: ${first.message}` : ''}`,
            parsed.errors,
          );
        }
        return s.units.importUnits(actorOf(req), req.params.id, parsed.units, {
          dryRun: req.query.dryRun === true,
        });
      },
    );
    app.get(
      '/orgs/:id/units',
      {
        schema: {
          summary: 'The owner register of a compound: its units and owners',
          tags: ['units'],
          params: idParams,
          querystring: z.strictObject({ building: z.string().max(50).optional(), ...pageQuery }),
          response: { 200: listOf(unitSchema), ...errorResponses },
        },
      },
      async (req) => s.units.list(principalOf(req), req.params.id, req.query),
    );
  };
