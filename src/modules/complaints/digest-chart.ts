import { xmlText } from '../../kernel/media/png-renderer.js';
import { duration, type MonthlyDigest, pct } from './queries/digest.js';
import type { Rate } from './queries/metrics.js';

/**
 * The monthly digest as a chart (#16.5), drawn as SVG for `PngRenderer`: the three rates this month
 * beside last month as paired bars (each with what it is out of), the top categories as bars, and
 * the counts, medians and share closed inside the compound in words. Every figure comes from the
 * digest itself; text is `sans-serif` so the renderer draws it in its CJK font.
 */
export const CHART_WIDTH = 960;
export const CHART_HEIGHT = 540;

const NOW = '#2f7ed8';
const BEFORE = '#b4c7e7';
const INK = '#1f2937';
const MUTED = '#6b7280';

export function digestChartSvg(d: MonthlyDigest): string {
  const [year, month] = d.month.split('-').map(Number) as [number, number];
  const c = d.current;
  const p = d.previous;
  const parts: string[] = [];
  /** `style`: 'bold', 'muted' (grey) or plain ink */
  const text = (x: number, y: number, s: string, size: number, style: '' | 'bold' | 'muted' = '') =>
    parts.push(
      `<text x="${x}" y="${y}" font-size="${size}" fill="${style === 'muted' ? MUTED : INK}"${style === 'bold' ? ' font-weight="bold"' : ''}>${xmlText(s)}</text>`,
    );

  text(40, 52, `${d.orgName} ${year}年${month}月 报事情况`, 30, 'bold');
  text(
    40,
    88,
    `收到 ${c.counts.total} 件 · 已办结 ${c.counts.byStatus.closed} 件 · 仍在处理 ${c.counts.open} 件（上月收到 ${p.counts.total} 件）`,
    18,
    'muted',
  );

  // left: the three rates, this month beside last month, 0–100 %
  text(40, 132, '三率（本月 / 上月）', 20, 'bold');
  parts.push(`<rect x="260" y="117" width="16" height="16" fill="${NOW}"/>`);
  text(282, 131, '本月', 16);
  parts.push(`<rect x="332" y="117" width="16" height="16" fill="${BEFORE}"/>`);
  text(354, 131, '上月', 16);
  const base = 430;
  const top = 170;
  const scale = (base - top) / 100;
  parts.push(`<line x1="40" y1="${base}" x2="500" y2="${base}" stroke="${MUTED}" stroke-width="1"/>`);
  const rates: [string, Rate, Rate][] = [
    ['响应率', c.rates.response, p.rates.response],
    ['解决率', c.rates.resolution, p.rates.resolution],
    ['满意率', c.rates.satisfaction, p.rates.satisfaction],
  ];
  rates.forEach(([label, now, before], i) => {
    const x = 70 + i * 150;
    for (const [j, r, fill] of [
      [0, now, NOW],
      [1, before, BEFORE],
    ] as const) {
      const bx = x + j * 52;
      if (r.rate === null) {
        text(bx + 14, base - 8, '—', 18, 'muted');
        continue;
      }
      const h = Math.max(1, Math.round(r.rate * 100 * scale));
      parts.push(`<rect x="${bx}" y="${base - h}" width="46" height="${h}" fill="${fill}"/>`);
      text(bx + 2, base - h - 8, pct(r), 16, j === 1 ? 'muted' : '');
    }
    text(x + 18, base + 28, label, 18);
    text(x + 14, base + 50, `${now.numerator}/${now.denominator}`, 14, 'muted');
  });

  // right: the top categories of the month
  text(560, 132, '最多的类别', 20, 'bold');
  const cats = c.topCategories.slice(0, 5);
  if (cats.length === 0) text(560, 180, '本月没有报事', 18, 'muted');
  const most = Math.max(1, ...cats.map((t) => t.count));
  cats.forEach((t, i) => {
    const y = 160 + i * 52;
    const w = Math.max(2, Math.round((t.count / most) * 220));
    text(560, y + 24, t.zh.length > 6 ? `${t.zh.slice(0, 6)}…` : t.zh, 18);
    parts.push(`<rect x="670" y="${y + 6}" width="${w}" height="26" fill="${NOW}"/>`);
    text(670 + w + 8, y + 26, `${t.count} 件`, 16);
  });

  // bottom: where complaints were closed, and how long they took
  const inside = c.closedByLevel.compound;
  text(
    40,
    512,
    `在小区内解决 ${pct(inside)}（${inside.numerator}/${inside.denominator}） · 受理用时中位数 ${duration(c.medianSeconds.acknowledge)} · 办结用时中位数 ${duration(c.medianSeconds.resolve)}`,
    18,
    'muted',
  );

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="sans-serif">`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
