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

/** The deadlines a complaint is running now: ack while waiting for acknowledgement, resolve while open. */
export function runningDeadlines(c: EscalatedRow): Date[] {
  if (!isOpen(c.status) || c.overdue) return [];
  const out: Date[] = [];
  if (stageOf(c.status) === 'ack' && c.ack_due_at) out.push(c.ack_due_at);
  if (c.resolve_due_at) out.push(c.resolve_due_at);
  return out;
}

/** One bucket job per distinct slot among `dates`. */
export function bucketJobs(dates: Date[], now: number) {
  const slots = [...new Set(dates.map(bucketOf))];
  return slots.map((at) => ({
    name: 'deadline-bucket',
    data: { at },
    opts: {
      jobId: bucketJobId(at),
      delay: Math.max(0, at - now),
      removeOnComplete: true,
      removeOnFail: 1000,
    },
  }));
}
