/**
 * Quiet hours ("22:00-07:00" in a time zone): a non-urgent message created inside them waits
 * until they end; an urgent one (an escalation to a handler) goes at once.
 */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

export function parseQuietHours(spec: string, timeZone: string): QuietHours | null {
  if (spec.trim() === '' || spec === 'off') return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(spec.trim());
  if (!m) throw new Error(`quiet hours must look like 22:00-07:00 (or "off"), got "${spec}"`);
  return {
    startMinute: Number(m[1]) * 60 + Number(m[2]),
    endMinute: Number(m[3]) * 60 + Number(m[4]),
    timeZone,
  };
}

function minuteOfDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => {
      acc[p.type] = p.value;
      return acc;
    }, {});
  return Number(parts.hour) * 60 + Number(parts.minute);
}

/** The moment quiet hours end if `at` falls inside them, else `at` itself. */
export function releaseTime(at: Date, q: QuietHours | null): Date {
  if (!q) return at;
  const now = minuteOfDay(at, q.timeZone);
  const inside =
    q.startMinute <= q.endMinute
      ? now >= q.startMinute && now < q.endMinute
      : now >= q.startMinute || now < q.endMinute;
  if (!inside) return at;
  const minutesLeft = (q.endMinute - now + 24 * 60) % (24 * 60);
  const release = new Date(at.getTime() + minutesLeft * 60_000);
  release.setUTCSeconds(0, 0);
  return release;
}
