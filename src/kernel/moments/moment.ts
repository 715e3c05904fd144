import type { JobsOptions } from 'bullmq';
import type { QueueName } from '../queue/names.js';

/**
 * A moment: something that must happen at a time a row holds (a campaign opens, a task's reminder
 * is due, a proposal closes). The row is the truth; a delayed job with a deterministic id only
 * wakes a worker then; `fire` re-reads the row and does nothing unless it is still due, so a late,
 * early, duplicate or stale job is harmless. A reconciler (`startMoments`) fires what is overdue
 * and re-adds the jobs the queue lost (`Moments.ensure`).
 *
 * Contract of the payload: ids and times only (never a name, a phone or a text).
 */
export interface Moment<D extends object> {
  /** what logs call it */
  readonly label: string;
  /** (queue, job name) routes a job to this moment; both are part of the stored jobs: never rename */
  readonly queue: QueueName;
  readonly job: string;
  /** deterministic, from the payload alone (no `:`, never a bare integer: jobId() checks) */
  jobId(data: D): string;
  /** the worker's entry: re-read, act if still due, else nothing */
  fire(data: D): Promise<unknown>;
  /** beyond the default `{ removeOnComplete: true, removeOnFail: 1000 }` */
  readonly jobOptions?: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;
}

/** One job a moment needs: its payload and when it is due. */
export interface Occurrence<D> {
  data: D;
  at: Date;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of moments of different payloads
export type AnyMoment = Moment<any>;
