/**
 * `/metrics` as Prometheus scrapes it from a running Linli (role `all`, embedded defaults, the
 * Telegram fake): behind METRICS_TOKEN, BullMQ's job counts of every queue in one family, the
 * sources read at scrape time up, and what a resident's message moved: the conversation turn,
 * the reply delivered, the admin request's duration under its route pattern.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/kernel/queue/names.js';
import type { FakeUser } from '../fakes/telegram/index.js';
import { scraped } from '../support/metric-values.js';
import { startTelegramLinli, type TelegramLinli, telegramChat } from '../support/telegram-linli.js';

const TOKEN = 'metrics-token-0123456789';

describe('GET /metrics', () => {
  let t: TelegramLinli | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('answers Prometheus with the bearer token only, and counts what a resident and an admin did', async () => {
    t = await startTelegramLinli({ env: { METRICS_TOKEN: TOKEN } });
    const scrape = async () => {
      const res = await fetch(`${t!.base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    expect((await fetch(`${t.base}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${t.base}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } }))
        .status,
    ).toBe(401);

    const first = await scrape();
    // one family for all queues: its header once, a sample per queue and state
    expect(first.match(/^# TYPE bullmq_job_count gauge$/gm)).toHaveLength(1);
    for (const queue of Object.values(QueueName))
      expect(first).toMatch(
        new RegExp(`^bullmq_job_count\\{queue="${queue}", state="delayed"\\} \\d+$`, 'm'),
      );
    expect(first).not.toContain('bullmq_job_completed_total');
    expect(scraped(first, 'linli_source_up', { source: 'queue' })).toBe(1);
    expect(scraped(first, 'linli_source_up', { source: 'database' })).toBe(1);
    expect(first).toMatch(/^linli_calendar_next_year_unknown\{year="\d{4}"\} [01]$/m);
    expect(first).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);

    // a resident asks for help in private: one turn, one reply sent
    const RESIDENT: FakeUser = { id: 6101, first_name: '周' };
    t.fake.startPrivateChat(RESIDENT.id);
    const turns = { channel: 'telegram', outcome: 'handled' };
    await t.fake.deliverUpdateToWebhook(
      t.fake.makeTextMessageUpdate({
        chatId: RESIDENT.id,
        chatType: 'private',
        from: RESIDENT,
        text: '/help',
      }),
    );
    await telegramChat(t.fake).next(RESIDENT.id, '');
    await t.json('GET', '/orgs?kind=compound');

    const second = await scrape();
    expect(
      scraped(second, 'linli_conversation_turn_duration_seconds_count', turns) -
        scraped(first, 'linli_conversation_turn_duration_seconds_count', turns),
    ).toBe(1);
    const sent = { channel: 'telegram', status: 'sent' };
    expect(
      scraped(second, 'linli_deliveries_total', sent) - scraped(first, 'linli_deliveries_total', sent),
    ).toBe(1);
    // the request's route pattern, never its query or ids
    expect(
      scraped(second, 'linli_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/v1/orgs',
        status: '200',
      }),
    ).toBe(1);
    // every metric the Grafana dashboard in deploy/ draws exists
    const dashboard = readFileSync(new URL('../../deploy/grafana-dashboard.json', import.meta.url), 'utf8');
    const drawn = new Set(
      [...dashboard.matchAll(/\b((?:linli|bullmq|nodejs)_\w+)/g)].map((m) => m[1] as string),
    );
    expect(drawn.size).toBeGreaterThan(10);
    for (const name of drawn) {
      // a histogram's samples (`_bucket`, `_count`, `_sum`) belong to the family without the suffix
      const families = [name, name.replace(/_(bucket|count|sum)$/, '')];
      expect(
        families.some((f) => second.includes(`# HELP ${f} `)),
        name,
      ).toBe(true);
    }
  }, 60_000);
});
