import { registry } from '../../src/kernel/metrics/metrics.js';

/**
 * The sum of a process metric's samples named `sample` (a counter's name, or a histogram's
 * `…_count` / `…_sum`) whose labels include `labels`. Metrics are per process and shared by the
 * tests of a file: assert differences, never absolute values.
 */
export async function metricValue(sample: string, labels: Record<string, string> = {}): Promise<number> {
  let total = 0;
  for (const m of await registry.getMetricsAsJSON()) {
    for (const v of m.values as { metricName?: string; labels: Record<string, unknown>; value: number }[]) {
      if ((v.metricName ?? m.name) !== sample) continue;
      if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) total += v.value;
    }
  }
  return total;
}

/** One sample of a Prometheus text exposition (`name{labels} value`), summed over its matches. */
export function scraped(text: string, sample: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== sample) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, want]) => have[k] === want)) total += Number(m[3]);
  }
  return total;
}
