import type { Db } from '../../kernel/db/db.js';
import type { Moments } from '../../kernel/moments/moments.js';
import type { PartyNotifier } from './notifier.js';

/**
 * What the party module's functions run on: the constructor arguments of `PartyService` and
 * `TaskService`, which are façades over those functions (tests give them a recording outbox's
 * notifier); `now` is the clock every decision reads.
 */
export interface PartyDeps {
  readonly db: Db;
  readonly notifier: PartyNotifier;
  readonly now: () => Date;
}

/** Tasks also add delayed jobs for their moments. */
export interface TaskDeps extends PartyDeps {
  readonly moments: Moments;
}
