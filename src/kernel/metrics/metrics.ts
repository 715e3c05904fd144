import client from 'prom-client';

/**
 * The process's Prometheus instruments, one set per process (a process is one Linli; tests that
 * start several in one process share them, and assert increases, never absolute values).
 * Counted where the thing happens, after it happened; what is read from the database or the queue
 * at scrape time (backlogs, pool use, the calendar) is in `exposition.ts`, per running instance.
 *
 * Names follow Prometheus conventions: `_seconds` for durations, `_total` for counters.
 */
export const registry = new client.Registry();
// process CPU, memory, GC, handles and the event-loop lag (`nodejs_eventloop_lag_*`)
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

export const httpRequestDuration = new client.Histogram({
  name: 'linli_http_request_duration_seconds',
  help: 'HTTP requests by route (the pattern, never the ids in it), method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const deadlineLateness = new client.Histogram({
  name: 'linli_deadline_lateness_seconds',
  help: 'How late a timed action fired after its moment: escalation (after the deadline), warning, reminder',
  labelNames: ['kind'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 1800, 3600],
  registers: [registry],
});

export const escalations = new client.Counter({
  name: 'linli_escalations_total',
  help: 'Complaints whose deadline passed, by the level they left and the outcome (escalated up, or overdue at the top)',
  labelNames: ['from_level', 'outcome'] as const,
  registers: [registry],
});

export const deliveries = new client.Counter({
  name: 'linli_deliveries_total',
  help: 'Outbound messages settled, by channel, how they went (reply sent at once, or through the queue) and status (sent, rerouted, unreachable, failed)',
  labelNames: ['channel', 'path', 'status'] as const,
  registers: [registry],
});

export const deliveryRateLimited = new client.Counter({
  name: 'linli_delivery_rate_limited_total',
  help: 'Sends the platform refused for its rate limit (Telegram 429, WeCom 45009): the channel paused',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export const deliveryRetries = new client.Counter({
  name: 'linli_delivery_retries_total',
  help: 'Sends to be tried again, by reason: transient (a network or server error) or unavailable (the channel down)',
  labelNames: ['channel', 'reason'] as const,
  registers: [registry],
});

export const conversationTurns = new client.Histogram({
  name: 'linli_conversation_turn_duration_seconds',
  help: 'Inbound chat messages handled (the turn committed), by channel and outcome: handled, duplicate, retry (transient failure: the platform delivers again), dead_letter',
  labelNames: ['channel', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

/** Seconds from `due` to `now`, never negative (a job a little early is on time). */
export function secondsLate(due: Date, now: Date): number {
  return Math.max(0, (now.getTime() - due.getTime()) / 1000);
}
