import { z } from 'zod';
import { ROLES } from '../people/index.js';
import { HOLIDAY_POLICIES } from './schedule.js';

/**
 * What the reminders API answers (http.ts). The serializer checks every body against these, so
 * they follow queries/reminders.ts exactly; timestamps are the Dates read from the database.
 * The audience and the schedule are stored as the create body gave them (an RRULE without a
 * start gets `start` pinned to its creation minute).
 */

export const reminderAudienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group'), orgId: z.number().int() }),
  z.object({ kind: z.literal('role'), orgId: z.number().int(), role: z.enum(ROLES) }),
  z.object({ kind: z.literal('people'), personIds: z.array(z.number().int()) }),
]);

export const reminderScheduleSchema = z.union([
  z.object({ at: z.string().describe('an ISO 8601 instant with an offset') }),
  z.object({ cron: z.string().describe('five-field cron, read in tz'), tz: z.string() }),
  z.object({
    rrule: z.string().describe('an RFC 5545 RRULE, read as wall-clock time in tz'),
    tz: z.string(),
    start: z.string().optional().describe('its DTSTART, local YYYY-MM-DDTHH:MM in tz'),
  }),
]);

export const reminderSchema = z
  .object({
    id: z.number().int(),
    orgId: z.number().int(),
    audience: reminderAudienceSchema,
    text: z.string().describe('the text template'),
    locale: z.enum(['zh-CN', 'en']),
    schedule: reminderScheduleSchema,
    skipHolidays: z.enum(HOLIDAY_POLICIES).describe('what happens to an occurrence on a day off'),
    ack: z
      .object({
        followUpAfterHours: z
          .number()
          .nullable()
          .describe('hours after which those who have not acknowledged are reminded again; null: never'),
      })
      .nullable()
      .describe('asks recipients for 收到; null when it does not'),
    status: z.enum(['active', 'paused', 'done']),
    nextAt: z.date().nullable().describe('the next occurrence while active; null otherwise'),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Reminder' });

export const reminderOccurrenceSchema = z
  .object({
    at: z.date(),
    status: z
      .enum(['sent', 'missed'])
      .describe('missed: found later than the catch-up window allows, not sent'),
    recipients: z.number().int(),
    acknowledged: z.number().int(),
    unreachable: z
      .number()
      .int()
      .describe('recipients it could not reach (never started the bot, blocked it, not a friend)'),
    followUpAt: z.date().nullable(),
    followUpStatus: z
      .enum(['sent', 'missed', 'cancelled'])
      .nullable()
      .describe('null until the follow-up is due'),
  })
  .meta({ id: 'ReminderOccurrence' });

export const reminderDetailSchema = reminderSchema
  .extend({
    occurrences: z.array(reminderOccurrenceSchema).describe('the latest 50, newest first'),
  })
  .meta({ id: 'ReminderDetail' });

export const reminderPreviewSchema = z
  .object({
    status: z.enum(['active', 'paused', 'done']),
    timeZone: z.string(),
    items: z.array(
      z.object({
        at: z.date(),
        local: z.string().describe('wall-clock time in timeZone, YYYY-MM-DD HH:MM'),
        date: z.string().describe('the civil date in timeZone, YYYY-MM-DD'),
        weekday: z.number().int().min(0).max(6).describe('0 Sunday … 6 Saturday'),
      }),
    ),
  })
  .meta({ id: 'ReminderPreview' });

export const schedulePreviewSchema = z
  .object({
    timeZone: z.string(),
    skipHolidays: z.enum(HOLIDAY_POLICIES).describe('the holiday policy applied'),
    items: z.array(
      z.object({
        at: z.date(),
        local: z.string().describe('wall-clock time in timeZone, YYYY-MM-DD HH:MM'),
        date: z.string().describe('the civil date in timeZone, YYYY-MM-DD'),
        weekday: z.number().int().min(0).max(6).describe('0 Sunday … 6 Saturday'),
      }),
    ),
  })
  .meta({ id: 'ReminderSchedulePreview' });
