import { commitmentLabel } from './commitments.js';
import type { PartyDeps } from './deps.js';
import { yearBounds } from './queries/records.js';
import { approvedMembers, checkinDone, completedTotalsOf, recordCheckin } from './repository/members.js';

/**
 * The January check-in on commitments: sends every approved member their commitments and last
 * year's record, asking them to report (once per member and year: idempotency keys), then records
 * the year as done. A crash in the middle is finished by the next run without sending anything
 * twice. When it runs is decided in moments.ts.
 */
export async function januaryCheckin(
  d: PartyDeps,
  year: number,
): Promise<{ sent: number; already: boolean }> {
  if (await checkinDone(d.db, year)) return { sent: 0, already: true };
  const rows = await approvedMembers(d.db);
  const last = yearBounds(year - 1);
  let sent = 0;
  for (const m of rows) {
    const rec = await completedTotalsOf(d.db, m.person_id, last.from, last.to);
    const text = [
      `【年度承诺践诺】${m.name}同志，新年好！请对照去年的承诺，向小区党支部汇报履行情况：`,
      ...m.commitments.map((c, i) => `${i + 1}. ${commitmentLabel(c)}`),
      ...m.own_commitments.map((o) => `· 自选：${o}`),
      `${year - 1}年您完成任务 ${rec?.n ?? 0} 项，服务 ${((rec?.tenths ?? 0) / 10).toFixed(1)} 小时。`,
    ].join('\n');
    if (
      await d.notifier.toPerson(m.person_id, text, `party-checkin-${year}-${m.id}`, { orgId: m.compound_id })
    )
      sent++;
  }
  await recordCheckin(d.db, year, sent);
  return { sent, already: false };
}
