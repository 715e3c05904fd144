import type { Logger } from 'pino';
import type { Moment } from '../../kernel/moments/moment.js';
import { Moments } from '../../kernel/moments/moments.js';
import { startMoments } from '../../kernel/moments/start-moments.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import { CHINA_TIME_ZONE, instantOfWall, wallOf } from '../../kernel/time/zone.js';
import type { PartyService } from './commands/members.js';
import type { TaskService } from './commands/tasks.js';

/** 09:00 on 1 January of `year`, China time. */
export function checkinTime(year: number): Date {
  return instantOfWall({ year, month: 1, day: 1, hour: 9, minute: 0, second: 0 }, CHINA_TIME_ZONE);
}

/** The year whose check-in is due now (in January, China time), else null. */
export function checkinYearDue(now: Date): number | null {
  const china = wallOf(now, CHINA_TIME_ZONE);
  return china.month === 1 && now >= checkinTime(china.year) ? china.year : null;
}

export const checkinJobId = (year: number) => jobId('party-checkin', year);

/** The yearly January check-in on commitments: job `party-checkin-<year>` named `checkin`. */
export function checkinMoment(party: PartyService, now: () => Date): Moment<{ year: number }> {
  return {
    label: 'party check-in',
    queue: QueueName.party,
    job: 'checkin',
    jobId: (x) => checkinJobId(x.year),
    fire: async (x) => {
      if (checkinYearDue(now()) === x.year) await party.januaryCheckin(x.year);
    },
    jobOptions: { removeOnComplete: 100, removeOnFail: 5000 },
  };
}

/**
 * Party tasks' moments (reminder, unaccepted escalation, overdue escalation) and the yearly
 * January check-in on commitments. Jobs carry ids only; `fireIfDue` and `januaryCheckin` re-read
 * the database, so a duplicate or late job does nothing. The reconciler (at start and every
 * `everyMs`) fires what is past, re-adds lost task jobs, runs a January check-in the queue lost
 * and makes sure next January's job (`party-checkin-<year>`) exists.
 */
export function startPartyWorker(
  queues: QueueBackend,
  tasks: TaskService,
  party: PartyService,
  logger: Logger,
  opts: { everyMs?: number; now?: () => Date } = {},
) {
  const now = opts.now ?? (() => new Date());
  const checkin = checkinMoment(party, now);
  const moments = new Moments(queues, now);
  return startMoments({
    label: 'party task',
    queues,
    moments: [tasks.moment, checkin],
    reconcile: async () => {
      const r = await tasks.reconcile();
      const due = checkinYearDue(now());
      if (due) {
        const c = await party.januaryCheckin(due);
        if (!c.already) logger.info({ year: due, sent: c.sent }, 'party January check-in');
      }
      const next = wallOf(now(), CHINA_TIME_ZONE).year + 1;
      await moments.ensure(checkin, [{ data: { year: next }, at: checkinTime(next) }]);
      return r;
    },
    logger,
    everyMs: opts.everyMs,
  });
}
