import type { Logger } from 'pino';
import { startReconcileLoop } from '../../kernel/moments/reconcile-loop.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import { CHINA_TIME_ZONE, instantOfWall, wallOf } from '../../kernel/time/zone.js';
import type { PartyService } from './commands/members.js';
import type { TaskService } from './commands/tasks.js';
import type { Stage } from './task-timers.js';

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

/**
 * Party tasks' moments (reminder, unaccepted escalation, overdue escalation) and the yearly
 * January check-in on commitments. Jobs carry ids only; `fireIfDue` and `januaryCheckin` re-read
 * the database, so a duplicate or late job does nothing. The reconciler (at start and every
 * `everyMs`) fires what is past, re-adds lost task jobs, runs a January check-in the queue lost
 * and makes sure next January's job (`party-checkin-<year>`) exists.
 */
export async function startPartyWorker(
  queues: QueueBackend,
  tasks: TaskService,
  party: PartyService,
  logger: Logger,
  opts: { everyMs?: number; now?: () => Date } = {},
) {
  const now = opts.now ?? (() => new Date());
  const worker = queues.worker<{ taskId?: number; stage?: Stage; year?: number }>(
    QueueName.party,
    async (job) => {
      if (job.name === 'checkin' && job.data.year) {
        if (checkinYearDue(now()) === job.data.year) await party.januaryCheckin(job.data.year);
        return;
      }
      if (job.data.taskId && job.data.stage) await tasks.fireIfDue(job.data.taskId, job.data.stage);
    },
    { concurrency: 4 },
  );
  const scheduleCheckin = async () => {
    const next = wallOf(now(), CHINA_TIME_ZONE).year + 1;
    await queues.add(
      QueueName.party,
      'checkin',
      { year: next },
      {
        jobId: checkinJobId(next),
        delay: Math.max(0, checkinTime(next).getTime() - now().getTime()),
        removeOnComplete: 100,
      },
    );
  };
  const reconcile = async () => {
    try {
      const r = await tasks.reconcile();
      if (r.fired || r.rescheduled) logger.info(r, 'party task reconciler');
      const due = checkinYearDue(now());
      if (due) {
        const c = await party.januaryCheckin(due);
        if (!c.already) logger.info({ year: due, sent: c.sent }, 'party January check-in');
      }
      await scheduleCheckin();
    } catch (err) {
      logger.error({ err }, 'party reconciler failed');
    }
  };
  const loop = await startReconcileLoop(reconcile, opts.everyMs ?? 60_000);
  return {
    reconcile,
    async close() {
      loop.stop();
      await worker.close();
    },
  };
}
