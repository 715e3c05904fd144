import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { principalOf } from '../../http/auth.js';
import { errorResponses, errorSchema, fileResponse, idParams, instant } from '../../http/schemas.js';
import { AppError } from '../../kernel/access/errors.js';
import { digestChartSvg } from './digest-chart.js';
import { digestCsv } from './queries/digest.js';
import { metricsCsv } from './queries/metrics.js';

const query = z.strictObject({
  orgId: z.coerce.number().int().positive().optional(),
  /** filing date from (inclusive), ISO 8601; give the offset (+08:00) for local days */
  from: instant.optional(),
  /** filing date to (exclusive) */
  to: instant.optional(),
});

const rate = z.object({ rate: z.number().nullable(), numerator: z.number(), denominator: z.number() });

/** The response as documented in OpenAPI (the service's definitions are in complaint-metrics.ts). */
const metricsSchema = z.object({
  orgId: z.number().int().nullable().describe('the org whose subtree is counted (null: everywhere)'),
  from: z.date().nullable(),
  to: z.date().nullable(),
  generatedAt: z.date(),
  counts: z.object({
    total: z.number(),
    open: z.number(),
    overdue: z.number(),
    byStatus: z.record(z.string(), z.number()),
  }),
  rates: z.object({ response: rate, onTimeResolution: rate, resolution: rate, satisfaction: rate }),
  unratedClosed: z.number(),
  medianSeconds: z.object({ acknowledge: z.number().nullable(), resolve: z.number().nullable() }),
  closedByLevel: z.record(z.string(), rate),
  topCategories: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string(), count: z.number() })),
  repeatUnits: z.object({
    units: z.number(),
    complaints: z.number(),
    top: z.array(
      z.object({
        orgId: z.number().int(),
        compound: z.string(),
        building: z.string(),
        unit: z.string().nullable(),
        room: z.string().nullable(),
        count: z.number(),
      }),
    ),
  }),
});

export const metricsRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/metrics/complaints',
      {
        schema: {
          tags: ['metrics'],
          summary:
            'Complaint figures of an org’s subtree by filing date: counts, 响应率/解决率/满意率, on-time resolution, medians, level of closing, categories, repeat addresses',
          querystring: query,
          response: { 200: metricsSchema, ...errorResponses },
        },
      },
      async (req) => s.complaintMetrics.complaints(principalOf(req), req.query),
    );
    const digestQuery = z.strictObject({
      month: z.string().optional().describe('YYYY-MM, China time; default: the last complete month'),
    });
    app.get(
      '/orgs/:id/digest',
      {
        schema: {
          tags: ['metrics'],
          summary:
            'The monthly digest of an org’s complaints: the month’s figures beside the month before’s, and the text a residents’ group reads',
          params: idParams,
          querystring: digestQuery,
          response: {
            200: z.object({
              orgId: z.number().int(),
              orgName: z.string(),
              month: z.string(),
              previousMonth: z.string(),
              current: metricsSchema,
              previous: metricsSchema,
              text: z.string(),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => s.digests.monthly(principalOf(req), req.params.id, req.query.month),
    );
    app.get(
      '/orgs/:id/digest.csv',
      {
        schema: {
          tags: ['metrics'],
          summary: 'The monthly digest as CSV (UTF-8 with BOM): month,metric,value,numerator,denominator',
          params: idParams,
          querystring: digestQuery,
          response: {
            200: fileResponse(
              'text/csv',
              'Header month,metric,value,numerator,denominator; the month’s figures, then the month before’s (UTF-8 with BOM, CRLF)',
            ),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const d = await s.digests.monthly(principalOf(req), req.params.id, req.query.month);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="digest-${d.orgId}-${d.month}.csv"`)
          .send(digestCsv(d));
      },
    );
    app.get(
      '/orgs/:id/digest.png',
      {
        schema: {
          tags: ['metrics'],
          summary:
            'The monthly digest as the chart posted with it (PNG): the three rates beside last month, the top categories, counts and medians',
          description:
            '503 chart_unavailable when the server has no CJK font to draw with (install fonts-wqy-microhei or set LINLI_CHART_FONT).',
          params: idParams,
          querystring: digestQuery,
          response: {
            200: fileResponse('image/png', 'The digest chart'),
            ...errorResponses,
            503: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const d = await s.digests.monthly(principalOf(req), req.params.id, req.query.month);
        if (!s.chart)
          throw new AppError(503, 'chart_unavailable', 'No CJK font on the server to draw the chart with');
        return reply
          .type('image/png')
          .header('cache-control', 'private, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .send(s.chart.png(digestChartSvg(d)));
      },
    );
    app.get(
      '/metrics/complaints.csv',
      {
        schema: {
          tags: ['metrics'],
          summary: 'The same figures as CSV (UTF-8 with BOM): metric,value,numerator,denominator',
          querystring: query,
          response: {
            200: fileResponse(
              'text/csv',
              'Header metric,value,numerator,denominator; one figure a row, a rate’s value its share (UTF-8 with BOM, CRLF)',
            ),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const csv = metricsCsv(await s.complaintMetrics.complaints(principalOf(req), req.query));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="complaint-metrics.csv"')
          .send(csv);
      },
    );
  };
