import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import { createReminderBody, previewScheduleBody } from './commands/reminders.js';
import {
  reminderDetailSchema,
  reminderPreviewSchema,
  reminderSchema,
  schedulePreviewSchema,
} from './schema.js';

export const reminderRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/reminders',
      {
        schema: {
          tags: ['reminders'],
          summary:
            'Create a reminder: a schedule ({at} | {cron, tz} | {rrule, tz}), an audience, a text template, optional 收到 with follow-up',
          body: createReminderBody,
          response: { 201: reminderSchema, ...errorResponses },
        },
      },
      async (req, reply) => {
        reply.code(201);
        return s.reminders.create(actorOf(req), req.body);
      },
    );
    app.post(
      '/reminders/preview',
      {
        schema: {
          tags: ['reminders'],
          summary:
            'The next occurrences of a schedule before it is saved ({schedule, skipHolidays?, count?}), holiday moves applied; saves nothing',
          description:
            'Checks the schedule as POST /reminders does (400 naming schedule.cron, schedule.rrule, schedule.tz, schedule.at or skipHolidays). Any token, viewers included: it writes nothing and names no org.',
          body: previewScheduleBody,
          response: { 200: schedulePreviewSchema, ...errorResponses },
        },
      },
      async (req) => {
        principalOf(req);
        return s.reminders.previewSchedule(req.body);
      },
    );
    app.get(
      '/reminders',
      {
        schema: {
          tags: ['reminders'],
          summary: 'Reminders in the token’s subtree, newest first',
          querystring: z.strictObject({
            orgId: z.coerce.number().int().positive().optional(),
            status: z.enum(['active', 'paused', 'done']).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(reminderSchema), ...errorResponses },
        },
      },
      async (req) => s.reminders.list(principalOf(req), req.query),
    );
    app.get(
      '/reminders/:id',
      {
        schema: {
          tags: ['reminders'],
          summary:
            'A reminder with its recent occurrences: recipients, how many acknowledged, how many it could not reach (unreachable)',
          params: idParams,
          response: { 200: reminderDetailSchema, ...errorResponses },
        },
      },
      async (req) => s.reminders.get(principalOf(req), req.params.id),
    );
    app.get(
      '/reminders/:id/next',
      {
        schema: {
          tags: ['reminders'],
          summary: 'The next occurrences after now, holiday moves applied',
          params: idParams,
          querystring: z.strictObject({ count: z.coerce.number().int().min(1).max(100).default(5) }),
          response: { 200: reminderPreviewSchema, ...errorResponses },
        },
      },
      async (req) => s.reminders.preview(principalOf(req), req.params.id, req.query.count),
    );
    app.patch(
      '/reminders/:id',
      {
        schema: {
          tags: ['reminders'],
          summary:
            'Pause ({"status":"paused"}) or resume ({"status":"active"}: from the next occurrence after now)',
          params: idParams,
          body: z.strictObject({ status: z.enum(['active', 'paused']) }),
          response: { 200: reminderSchema, ...errorResponses },
        },
      },
      async (req) => s.reminders.setStatus(actorOf(req), req.params.id, req.body.status),
    );
    app.delete(
      '/reminders/:id',
      {
        schema: {
          tags: ['reminders'],
          summary: 'Cancel a reminder',
          params: idParams,
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await s.reminders.remove(actorOf(req), req.params.id);
        reply.code(204);
        return null;
      },
    );
  };
