import { createServices, type Services } from '../../src/app/modules.js';
import type { Db } from '../../src/kernel/db/db.js';
import type { Outbox } from '../../src/kernel/outbox/outbox.js';
import type { QueueBackend } from '../../src/kernel/queue/backend.js';
import type { ComplaintNotifications } from '../../src/modules/complaints/commands/deadlines.js';
import { MemoryQueues } from './memory-queues.js';
import { RecordingOutbox } from './recording-outbox.js';

/**
 * The services of a test that neither runs queue workers nor looks at what is sent: jobs go to an
 * in-memory scheduler, messages to a recording outbox. Give `queues` (a real backend) or `outbox`
 * where the test needs them.
 */
export function quietServices(
  db: Db,
  opts: { queues?: QueueBackend; outbox?: Outbox; adminToken?: string } = {},
): Services {
  return createServices(db, {
    queues: opts.queues ?? new MemoryQueues(),
    outbox: opts.outbox ?? new RecordingOutbox(db),
    ...(opts.adminToken ? { adminToken: opts.adminToken } : {}),
  });
}

/** Complaint notifications that tell nobody: for tests of the deadline machine itself. */
export const quietNotices: ComplaintNotifications = {
  changed: async () => {},
  overdueReminder: async () => {},
  warning: async () => {},
};
