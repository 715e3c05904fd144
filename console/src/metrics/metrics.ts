import type { Ok } from '../api/types';

export type Metrics = Ok<'/api/v1/metrics/complaints'>;
export type Rate = Metrics['rates']['response'];
export const RATE_KEYS = ['response', 'onTimeResolution', 'resolution', 'satisfaction'] as const;
export type RateKey = (typeof RATE_KEYS)[number];

/** The last `n` calendar months ending with the current one, China time (the API counts by filing date). */
export function lastMonths(n: number, now = new Date()): { month: string; from: string; to: string }[] {
  // the month China is in now
  const china = new Date(now.getTime() + 8 * 3_600_000);
  let y = china.getUTCFullYear();
  let m = china.getUTCMonth() + 1;
  const out: { month: string; from: string; to: string }[] = [];
  for (let i = 0; i < n; i++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    const ny = m === 12 ? y + 1 : y;
    const nm = m === 12 ? 1 : m + 1;
    out.unshift({
      month,
      from: `${month}-01T00:00:00+08:00`,
      to: `${ny}-${String(nm).padStart(2, '0')}-01T00:00:00+08:00`,
    });
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  return out;
}

/** A rate as a percentage with one decimal ("85.7%"), or "—" when nothing is counted. */
export function percent(r: Rate | undefined): string {
  if (!r || r.rate === null) return '—';
  return `${(r.rate * 100).toFixed(1)}%`;
}

/** The rate as a number of percent for a chart (null: a gap). */
export function percentValue(r: Rate | undefined): number | null {
  return !r || r.rate === null ? null : Math.round(r.rate * 1000) / 10;
}

/** "85.7% (6/7)". */
export function rateText(r: Rate | undefined): string {
  return r ? `${percent(r)} (${r.numerator}/${r.denominator})` : '—';
}

/** Seconds as "2 h 5 min" / "3 d 4 h". */
export function duration(s: number | null, en: boolean): string {
  if (s === null) return '—';
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.round((s % 3600) / 60);
  const [dd, hh, mm] = en ? [' d', ' h', ' min'] : ['天', '小时', '分钟'];
  if (d > 0) return `${d}${dd} ${h}${hh}`;
  if (h > 0) return `${h}${hh} ${m}${mm}`;
  return `${m}${mm}`;
}

/** RFC 4180 CSV with a BOM (Excel opens UTF-8 Chinese text right with it), CRLF line ends. */
export function toCsv(rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function download(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
