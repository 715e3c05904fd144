import type { LinliModule } from '../../app/manifest.js';
import { registerComplaintActions } from './actions.js';
import { registerDispatchActions } from './actions-dispatch.js';
import { ComplaintChatActions } from './chat.js';
import { startDigestWorker } from './digest-push.js';
import { complaintFlow } from './flows/complaint-flow.js';
import { handlerNoteFlow } from './flows/handler-note-flow.js';
import { ratingFlow } from './flows/rating-flow.js';
import { returnFlow } from './flows/return-flow.js';
import { transferFlow } from './flows/transfer-flow.js';
import { complaintRoutes } from './http.js';
import { metricsRoutes } from './http-metrics.js';
import { startDeadlineWorker } from './moments.js';
import { complaintUnreached } from './unreached.js';

/**
 * Complaints (报事/投诉): the filing flow, the closed loop, escalation on deadlines, ratings,
 * the three rates. Open311 is registered apart, at /open311/v2 (src/http/app.ts).
 */
export const complaintsModule: LinliModule = {
  name: 'complaints',
  routes: (s) => [complaintRoutes(s), metricsRoutes(s)],
  chat: (s, db) => [new ComplaintChatActions(db, s.complaints)],
  actions: (s, r) => void registerDispatchActions(registerComplaintActions(r, s.complaints), s.complaints),
  flows: [complaintFlow, ratingFlow, handlerNoteFlow, transferFlow, returnFlow],
  worker: async (s, d) => {
    const deadlines = await startDeadlineWorker(d.queues, s.complaints, d.logger);
    const digests = await startDigestWorker(d.queues, s.digestPush, s.overdueLists, d.logger);
    return {
      async close() {
        await digests.close();
        await deadlines.close();
      },
    };
  },
  unreached: () => ({ complaint: complaintUnreached }),
};
