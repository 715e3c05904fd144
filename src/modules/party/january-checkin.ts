import type { Locale } from '../../flows/flow-schema.js';
import type { PartyDeps } from './deps.js';
import { yearBounds } from './queries/records.js';
import { approvedMembers, checkinDone, completedTotalsOf, recordCheckin } from './repository/members.js';
import { partyTexts } from './texts.js';

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
    const checkin = {
      name: m.name,
      commitments: m.commitments,
      own: m.own_commitments,
      lastYear: year - 1,
      tasks: rec?.n ?? 0,
      hours: ((rec?.tenths ?? 0) / 10).toFixed(1),
    };
    const text = (l: Locale) => partyTexts(l).checkin(checkin);
    if (
      await d.notifier.toPerson(m.person_id, text, `party-checkin-${year}-${m.id}`, { orgId: m.compound_id })
    )
      sent++;
  }
  await recordCheckin(d.db, year, sent);
  return { sent, already: false };
}
