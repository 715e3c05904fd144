/**
 * What the complaints module offers the other modules: they import it from here, never from its files
 * (scripts/check-layers.ts).
 */

export type { Rate } from './queries/metrics.js';
export { ComplaintMetricsService } from './queries/metrics.js';
