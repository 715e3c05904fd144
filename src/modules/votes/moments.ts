import type { Logger } from 'pino';
import type { Moment } from '../../kernel/moments/moment.js';
import { startMoments } from '../../kernel/moments/start-moments.js';
import type { QueueBackend } from '../../kernel/queue/backend.js';
import { jobId, QueueName } from '../../kernel/queue/names.js';
import type { VoteService } from './commands/proposals.js';

/** A proposal's moments; each is also the name of its jobs and the `kind` in their payload. */
export type ProposalKind = 'open' | 'close' | 'remind';

/**
 * The payload of a proposal's jobs: the proposal, the moment and, for a reminder, its offset in
 * minutes before closing (absent for open and close).
 */
export interface ProposalJob {
  proposalId: number;
  kind: ProposalKind;
  offset?: number;
}

/** `proposal-<id>-open`, `proposal-<id>-close`, `proposal-<id>-remind<minutes>`. */
const proposalJobId = (x: ProposalJob) =>
  jobId('proposal', x.proposalId, x.kind === 'remind' ? `remind${x.offset}` : x.kind);

/**
 * A proposal's three moments on the votes queue: jobs named `open`, `close` and `remind`, ids
 * `proposal-<id>-open|close|remind<minutes>`. Names, ids and payloads are those of the jobs
 * already stored: never change them. `run` is the service's one entry (it routes by `kind`).
 */
export function proposalMoments(
  run: (x: ProposalJob) => Promise<unknown>,
): Record<ProposalKind, Moment<ProposalJob>> {
  const moment = (kind: ProposalKind): Moment<ProposalJob> => ({
    label: `vote ${kind}`,
    queue: QueueName.votes,
    job: kind,
    jobId: proposalJobId,
    fire: run,
  });
  return { open: moment('open'), close: moment('close'), remind: moment('remind') };
}

/**
 * Opens and closes proposals and sends the reminders before closing. A job names a proposal and
 * a moment; the service re-reads the row, so a stale or duplicate job does nothing. The
 * reconciler (at start and every `everyMs`) does whatever is overdue and re-adds lost jobs, so a
 * queue that lost every key loses no opening, closing or reminder.
 */
export function startVoteWorker(queues: QueueBackend, votes: VoteService, logger: Logger, everyMs = 60_000) {
  return startMoments({
    label: 'vote',
    queues,
    moments: votes.moments,
    reconcile: () => votes.reconcile(),
    logger,
    everyMs,
  });
}
