/**
 * What the evaluations module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */
export { registerEvaluationActions } from './actions.js';
