import type { Occurrence } from '../../../kernel/moments/moment.js';
import { jobId } from '../../../kernel/queue/names.js';
import { isOpen, stageOf } from '../lifecycle.js';
import type { EscalatedRow } from './bulk-escalation.js';

/**
 * Deadlines are grouped in slots of 100 ms: a deadline fires at most this late from rounding, and
 * a burst due at one instant is one job.
 */
export const BUCKET_MS = 100;
/** The slot of a deadline: its epoch ms rounded up to the slot's end (the job fires when all are due). */
export const bucketOf = (d: Date) => Math.ceil(d.getTime() / BUCKET_MS) * BUCKET_MS;
/** The job of the deadlines falling in the slot ending at `at` (epoch ms). */
export const bucketJobId = (at: number) => jobId('deadlines-at', at);

/** The payload of a bucket job: the end of its slot (epoch ms); the sweep it wakes reads the rows. */
export interface DeadlineBucket {
  at: number;
}

/**
 * The moments a complaint's sweep must run at: its running deadlines (ack while waiting for
 * acknowledgement, resolve while open) and their pending warnings.
 */
export function runningDeadlines(c: EscalatedRow): Date[] {
  if (!isOpen(c.status) || c.overdue) return [];
  const out: Date[] = [];
  if (stageOf(c.status) === 'ack' && c.ack_due_at) out.push(c.ack_due_at);
  if (stageOf(c.status) === 'ack' && c.ack_warn_at) out.push(c.ack_warn_at);
  if (c.resolve_due_at) out.push(c.resolve_due_at);
  if (c.resolve_warn_at) out.push(c.resolve_warn_at);
  return out;
}

/** The bucket of the slot ending at `at` (epoch ms), due then. */
export const bucketOccurrence = (at: number): Occurrence<DeadlineBucket> => ({
  data: { at },
  at: new Date(at),
});

/** One bucket per distinct slot among `dates`. */
export function bucketOccurrences(dates: Date[]): Occurrence<DeadlineBucket>[] {
  return [...new Set(dates.map(bucketOf))].map(bucketOccurrence);
}
