import type { Logger } from 'pino';
import type { Moment } from '../../kernel/moments/moment.js';
import { startMoments } from '../../kernel/moments/start-moments.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import { bucketJobId, type DeadlineBucket } from './commands/deadline-buckets.js';
import type { ComplaintDeadlines } from './commands/deadlines.js';
import type { ComplaintService } from './commands/transitions.js';

/**
 * The payload of a complaint's own deadline job: the rating timeout of a resolved complaint
 * (`stage: 'rating'`), or an ack/resolve deadline job left by an older version of Linli (before
 * the bucket jobs), still run as it was.
 */
export interface ComplaintDeadline {
  complaintId: number;
  version: number;
  stage: string;
}

/** The two moments of the deadlines queue. */
export interface DeadlineMoments {
  /** `deadlines-at-<epoch ms>` named `deadline-bucket`: one per 100 ms slot, shared by every complaint due in it */
  bucket: Moment<DeadlineBucket>;
  /** `complaint-<id>-v<version>-<stage>` named `deadline`: one complaint at one version */
  complaint: Moment<ComplaintDeadline>;
}

/**
 * The moments of the deadline machine. `fire` calls the machine's methods on the service itself
 * (never a copy of them), so the steps still call each other through the service, as
 * bench/complaint-deadlines.ts needs to time them.
 */
export function deadlineMoments(
  svc: Pick<ComplaintDeadlines, 'sweepDue' | 'escalateIfDue' | 'closeUnratedIfDue'>,
): DeadlineMoments {
  return {
    bucket: {
      label: 'deadline',
      queue: QueueName.deadlines,
      job: 'deadline-bucket',
      jobId: (x) => bucketJobId(x.at),
      // every deadline due by now, set-based (a burst falling due at once is one job), then the
      // warnings due
      fire: () => svc.sweepDue(),
    },
    complaint: {
      label: 'deadline',
      queue: QueueName.deadlines,
      job: 'deadline',
      jobId: (x) => jobId('complaint', x.complaintId, `v${x.version}`, x.stage),
      // the rating timeout of one resolved complaint, or a per-complaint deadline job left by an
      // older version of Linli
      fire: (x) =>
        x.stage === 'rating'
          ? svc.closeUnratedIfDue(x.complaintId, x.version)
          : svc.escalateIfDue(x.complaintId, x.version),
    },
  };
}

/**
 * Escalates complaints whose deadline passed. A bucket job (`deadlines-at-<ms>`) sweeps every
 * row due by now, re-reading the rows, so a stale, early or duplicate job does nothing; a rating
 * job names a complaint and the version it was set for. The reconciler
 * (at start and every `everyMs`) escalates whatever is overdue and re-adds lost jobs, so a queue
 * that lost every key loses no deadline.
 */
export async function startDeadlineWorker(
  queues: QueueBackend,
  complaints: ComplaintService,
  logger: Logger,
  everyMs = 60_000,
  /** escalations in parallel (each is one short transaction; keep below the database pool size) */
  concurrency = 8,
) {
  // the complaints' own reconcile: the set-based sweep, the overdue reminders, the unrated
  // closes, then the lost bucket and rating jobs (ComplaintService.reconcile)
  return startMoments({
    label: 'deadline',
    queues,
    moments: Object.values(complaints.deadlineMoments),
    reconcile: () => complaints.reconcile(),
    logger,
    everyMs,
    concurrency,
  });
}
