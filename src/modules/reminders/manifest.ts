import type { LinliModule } from '../../app/manifest.js';
import { ReminderChatActions } from './chat.js';
import { reminderUnreached } from './delivery.js';
import { reminderRoutes } from './http.js';
import { startReminderWorker } from './moments.js';

/** Reminders: meetings, fee notices, disclosures, on a schedule, with confirmations and follow-ups. */
export const remindersModule: LinliModule = {
  name: 'reminders',
  routes: (s) => [reminderRoutes(s)],
  chat: (s) => [new ReminderChatActions(s.reminders)],
  worker: (s, d) => startReminderWorker(d.queues, s.reminders, d.logger),
  unreached: () => ({ reminder: reminderUnreached }),
};
