import { z } from 'zod';
import { type DeadlineCalendar, dueAt } from '../../kernel/time/china-calendar.js';
import { type DurationParts, isoDurationSchema, parseIsoDuration } from '../../kernel/time/iso-duration.js';
import { LEVELS, type Level } from './lifecycle.js';

/**
 * Escalation policies: per org, the acknowledge and resolve deadlines of each level, per
 * category (`*` for any). The deadlines for a complaint at level L come from the nearest org,
 * from its compound upward, whose policy defines L for the complaint's category or `*`
 * (category first); the calendar and working hours are that policy's. With none: DEFAULT_POLICY.
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const stage = z.strictObject({ ack: isoDurationSchema, resolve: isoDurationSchema });
const category = z.string().regex(/^(\*|[a-z][a-z0-9_]{0,39})$/, 'a category code or *');

export const escalationPolicySchema = z.strictObject({
  calendar: z.enum(['natural', 'workdays']),
  workingHours: z
    .strictObject({ start: hhmm, end: hhmm })
    .refine((w) => w.start < w.end, { message: 'start must be before end' })
    .optional(),
  levels: z.partialRecord(z.enum(LEVELS), z.record(category, stage)),
  /** a resident's 不满意 reopens at the same level this many times; after that it escalates */
  maxReopens: z.number().int().min(0).max(10).optional(),
  /** no rating within this closes a resolved complaint as unrated (default PT72H) */
  ratingTimeout: isoDurationSchema.optional(),
  /** a complaint overdue at the city level: its handlers are reminded again this often (default P1D) */
  overdueReminderEvery: isoDurationSchema.optional(),
  /**
   * the handlers (the assignee, if any) and the next level's as supervisors are warned once when
   * this share of each acknowledge and resolve time limit has run, on the policy's calendar (default 80)
   */
  warnAtPercent: z.number().int().min(1).max(99).optional(),
});
export type EscalationPolicy = z.infer<typeof escalationPolicySchema>;

export const DEFAULT_POLICY: EscalationPolicy = {
  calendar: 'natural',
  levels: {
    compound: { '*': { ack: 'PT2H', resolve: 'P3D' } },
    community: { '*': { ack: 'PT4H', resolve: 'P5D' } },
    subdistrict: { '*': { ack: 'P1D', resolve: 'P7D' } },
    district: { '*': { ack: 'P1D', resolve: 'P10D' } },
    city: { '*': { ack: 'P2D', resolve: 'P15D' } },
  },
  maxReopens: 2,
  ratingTimeout: 'PT72H',
  overdueReminderEvery: 'P1D',
  warnAtPercent: 80,
};

export interface Deadlines {
  ackDueAt: Date;
  resolveDueAt: Date;
  /** when the handlers are warned that the deadline draws near (`warnAtPercent` of the time limit) */
  ackWarnAt: Date;
  resolveWarnAt: Date;
  /** the org whose policy gave them (null: the default) */
  policyOrgId: number | null;
}

/** The deadlines of a complaint entering `level` at `from`. */
export function deadlinesFrom(
  chain: { orgId: number; policy: EscalationPolicy }[],
  level: Level,
  categoryCode: string,
  from: Date,
): Deadlines {
  for (const { orgId, policy } of [...chain, { orgId: null as unknown as number, policy: DEFAULT_POLICY }]) {
    const byCategory = policy.levels[level];
    const s = byCategory?.[categoryCode] ?? byCategory?.['*'];
    if (!s) continue;
    const cal: DeadlineCalendar = policy.calendar;
    const hours = policy.workingHours
      ? { workStart: policy.workingHours.start, workEnd: policy.workingHours.end }
      : undefined;
    const share = policySetting(chain, 'warnAtPercent') / 100;
    return {
      ackDueAt: dueAt(from, s.ack, cal, hours),
      resolveDueAt: dueAt(from, s.resolve, cal, hours),
      ackWarnAt: dueAt(from, scaled(s.ack, share), cal, hours),
      resolveWarnAt: dueAt(from, scaled(s.resolve, share), cal, hours),
      policyOrgId: orgId ?? null,
    };
  }
  throw new Error('the default policy defines every level');
}

/** A setting of the nearest policy that has it, else the default's. */
export function policySetting<
  K extends 'maxReopens' | 'ratingTimeout' | 'overdueReminderEvery' | 'warnAtPercent',
>(chain: { policy: EscalationPolicy }[], key: K): NonNullable<EscalationPolicy[K]> {
  for (const { policy } of chain)
    if (policy[key] !== undefined) return policy[key] as NonNullable<EscalationPolicy[K]>;
  return DEFAULT_POLICY[key] as NonNullable<EscalationPolicy[K]>;
}

/** A share of a time limit, on the same calendar (`P1D` × 0.8 is 0.8 of a working day on `workdays`). */
function scaled(duration: string, share: number): DurationParts {
  const parsed = parseIsoDuration(duration);
  if (!parsed.ok) throw new RangeError(`invalid ISO 8601 duration "${duration}": ${parsed.message}`);
  const p = parsed.parts;
  return {
    days: p.days * share,
    hours: p.hours * share,
    minutes: p.minutes * share,
    seconds: p.seconds * share,
  };
}
