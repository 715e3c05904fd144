import type { LinliModule } from '../../app/manifest.js';
import { registerEvaluationActions } from './actions.js';
import { evaluationFlow } from './flows/evaluation-flow.js';
import { evaluationRoutes } from './http.js';
import { startEvaluationWorker } from './moments.js';

/** Residents' evaluations of the property company: campaigns, answers, scores. */
export const evaluationsModule: LinliModule = {
  name: 'evaluations',
  routes: (s) => [evaluationRoutes(s)],
  actions: (s, r) => void registerEvaluationActions(r, s.evaluations),
  flows: [evaluationFlow],
  worker: (s, d) => startEvaluationWorker(d.queues, s.evaluations, d.logger),
};
