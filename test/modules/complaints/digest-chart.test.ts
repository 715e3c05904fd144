import { describe, expect, it } from 'vitest';
import { findCjkFont, pngRenderer } from '../../../src/kernel/media/png-renderer.js';
import { digestChartSvg } from '../../../src/modules/complaints/digest-chart.js';
import type { MonthlyDigest } from '../../../src/modules/complaints/queries/digest.js';
import type { ComplaintMetrics, Rate } from '../../../src/modules/complaints/queries/metrics.js';
import { pngSize } from '../../support/png.js';

const rate = (numerator: number, denominator: number): Rate => ({
  numerator,
  denominator,
  rate: denominator ? numerator / denominator : null,
});

function metrics(total: number, closed: number, over: Partial<ComplaintMetrics> = {}): ComplaintMetrics {
  const zero = rate(0, 0);
  return {
    orgId: 1,
    from: null,
    to: null,
    generatedAt: new Date(),
    counts: {
      total,
      open: total - closed,
      overdue: 0,
      byStatus: { submitted: 0, accepted: 0, in_progress: 0, resolved: 0, closed, escalated: 0 } as never,
    },
    rates: {
      response: rate(total, total),
      onTimeResolution: zero,
      resolution: rate(closed, total),
      satisfaction: zero,
    },
    unratedClosed: 0,
    medianSeconds: { acknowledge: 1800, resolve: 2 * 86_400 },
    closedByLevel: { compound: rate(closed, closed) } as never,
    topCategories: [],
    repeatUnits: { units: 0, complaints: 0, top: [] },
    ...over,
  };
}

const digest = (current: ComplaintMetrics, previous: ComplaintMetrics): MonthlyDigest => ({
  orgId: 1,
  orgName: '阳光<小区> & 花园',
  month: '2026-11',
  previousMonth: '2026-10',
  current,
  previous,
  text: '',
});

describe('the digest’s chart', () => {
  const d = digest(
    metrics(12, 9, {
      rates: {
        response: rate(11, 12),
        onTimeResolution: rate(5, 9),
        resolution: rate(9, 12),
        satisfaction: rate(6, 8),
      },
      topCategories: [
        { code: 'lifts', zh: '电梯', en: 'Lifts', count: 5 },
        { code: 'noise', zh: '噪音扰民', en: 'Noise', count: 3 },
      ],
    }),
    metrics(8, 5),
  );

  it('says the month’s figures with what each is out of, beside last month, the name escaped', () => {
    const svg = digestChartSvg(d);
    expect(svg).toContain('阳光&lt;小区&gt; &amp; 花园 2026年11月 报事情况');
    expect(svg).toContain('收到 12 件 · 已办结 9 件 · 仍在处理 3 件（上月收到 8 件）');
    // the rates this month (92 %, 75 %, 75 %) and last month (100 %, 63 %; no rating: —)
    for (const s of ['>92%<', '>75%<', '>11/12<', '>9/12<', '>6/8<', '>100%<', '>63%<', '>—<'])
      expect(svg).toContain(s);
    expect(svg).toContain('>电梯<');
    expect(svg).toContain('>5 件<');
    expect(svg).toContain('>噪音扰民<');
    expect(svg).toContain('在小区内解决 100%（9/9） · 受理用时中位数 30 分钟 · 办结用时中位数 2.0 天');
    // the longest category bar is the most frequent one
    const bars = [...svg.matchAll(/<rect x="670" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(bars).toHaveLength(2);
    expect(bars[0]).toBeGreaterThan(bars[1]!);
  });

  it('a month with nothing filed says so instead of drawing empty bars', () => {
    const svg = digestChartSvg(
      digest(
        metrics(0, 0, {
          rates: {
            response: rate(0, 0),
            onTimeResolution: rate(0, 0),
            resolution: rate(0, 0),
            satisfaction: rate(0, 0),
          },
        }),
        metrics(2, 2),
      ),
    );
    expect(svg).toContain('本月没有报事');
    expect(svg).not.toContain('<rect x="670"');
  });

  it.skipIf(!findCjkFont())('draws as a 960×540 PNG with the machine’s CJK font', () => {
    const r = pngRenderer(findCjkFont())!;
    const png = r.png(digestChartSvg(d));
    expect(pngSize(png)).toEqual({ width: 960, height: 540 });
  });
});

describe('the chart font', () => {
  it('a configured font that is not there is none; without any, no renderer', () => {
    expect(findCjkFont('/nowhere/font.ttc')).toBeNull();
    expect(pngRenderer(null)).toBeNull();
  });
});
