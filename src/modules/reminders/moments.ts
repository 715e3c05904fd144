import type { Logger } from 'pino';
import type { Moment } from '../../kernel/moments/moment.js';
import { startMoments } from '../../kernel/moments/start-moments.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import type { ReminderService } from './commands/reminders.js';

/** The payload of an occurrence's jobs: the reminder and the occurrence time (epoch ms). */
export interface OccurrenceRef {
  reminderId: number;
  at: number;
}

const occurrenceJobId = (id: number, at: Date) => jobId('reminder', id, `o${at.getTime()}`);
const followUpJobId = (id: number, at: Date) => jobId('reminder', id, `o${at.getTime()}`, 'followup');

/**
 * A reminder's two moments on the reminders queue: its next occurrence (jobs named `occurrence`,
 * id `reminder-<id>-o<epoch ms>`) and an occurrence's follow-up (jobs named `follow-up`, id
 * `…-followup`). Names, ids and payloads are those of the jobs already stored: never change them.
 */
export function reminderMoments(entries: {
  fire(reminderId: number, at: Date): Promise<unknown>;
  followUp(reminderId: number, at: Date): Promise<unknown>;
}): { occurrence: Moment<OccurrenceRef>; followUp: Moment<OccurrenceRef> } {
  return {
    occurrence: {
      label: 'reminder',
      queue: QueueName.reminders,
      job: 'occurrence',
      jobId: (x) => occurrenceJobId(x.reminderId, new Date(x.at)),
      fire: (x) => entries.fire(x.reminderId, new Date(x.at)),
    },
    followUp: {
      label: 'reminder follow-up',
      queue: QueueName.reminders,
      job: 'follow-up',
      jobId: (x) => followUpJobId(x.reminderId, new Date(x.at)),
      fire: (x) => entries.followUp(x.reminderId, new Date(x.at)),
    },
  };
}

/**
 * Sends reminder occurrences and follow-ups. A job names a reminder and an occurrence time; the
 * service re-reads the rows, so a stale or duplicate job does nothing, and the occurrence row's
 * unique key decides between two workers. The reconciler (at start and every `everyMs`) fires
 * what is due and re-adds lost jobs, so a queue that lost every key loses no occurrence.
 */
export async function startReminderWorker(
  queues: QueueBackend,
  reminders: ReminderService,
  logger: Logger,
  everyMs = 60_000,
) {
  return startMoments({
    label: 'reminder',
    queues,
    moments: reminders.moments,
    reconcile: () => reminders.reconcile(),
    logger,
    everyMs,
  });
}
