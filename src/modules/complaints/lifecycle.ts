/**
 * The closed loop of a complaint as a state machine: which action may move which status where.
 *
 *   submitted → accepted → in_progress → resolved → closed
 *   rejected (with a reason; the reporter may appeal: back to submitted one level up)
 *   reopened (the resident was not satisfied; accepted again at the same level)
 *   withdrawn (by the reporter, while not final)
 *
 * `grab` (抢单, a button in chat under the dispatch mode `grab`) is `accept` by a person who
 * becomes the assignee; it also takes an accepted complaint nobody has (one returned to dispatch).
 * `transfer` hands an open complaint to a person or a role, `return` gives it back to dispatch with a
 * reason (nobody has it then; in progress goes back to accepted: the level acknowledged it, and the
 * resolve deadline keeps running). `escalate` is the system's: a breached deadline moves an open
 * complaint one level up, status unchanged. `assign` and `note` change no status. `closed` and
 * `withdrawn` are final.
 */
export const STATUSES = [
  'submitted',
  'accepted',
  'in_progress',
  'resolved',
  'closed',
  'rejected',
  'reopened',
  'withdrawn',
] as const;
export type ComplaintStatus = (typeof STATUSES)[number];

export const LEVELS = ['compound', 'community', 'subdistrict', 'district', 'city'] as const;
export type Level = (typeof LEVELS)[number];

export const ACTIONS = [
  'accept',
  'grab',
  'start',
  'resolve',
  'reject',
  'appeal',
  'reopen',
  'close',
  'withdraw',
  'assign',
  'transfer',
  'return',
  'note',
  'escalate',
] as const;
export type ComplaintAction = (typeof ACTIONS)[number];

const OPEN: ComplaintStatus[] = ['submitted', 'accepted', 'in_progress', 'reopened'];
const NOT_FINAL: ComplaintStatus[] = [...OPEN, 'resolved', 'rejected'];

export const TRANSITIONS: Record<ComplaintAction, { from: ComplaintStatus[]; to: ComplaintStatus | null }> = {
  accept: { from: ['submitted', 'reopened'], to: 'accepted' },
  /** a handler takes it for themselves (dispatch mode grab, 抢单): accepted and assigned to them at once */
  grab: { from: ['submitted', 'reopened', 'accepted'], to: 'accepted' },
  start: { from: ['accepted'], to: 'in_progress' },
  resolve: { from: ['accepted', 'in_progress'], to: 'resolved' },
  reject: { from: OPEN, to: 'rejected' },
  appeal: { from: ['rejected'], to: 'submitted' },
  reopen: { from: ['resolved'], to: 'reopened' },
  close: { from: ['resolved', 'rejected'], to: 'closed' },
  withdraw: { from: [...OPEN, 'rejected'], to: 'withdrawn' },
  assign: { from: NOT_FINAL, to: null },
  transfer: { from: OPEN, to: null },
  /** in progress → accepted (see above); otherwise unchanged */
  return: { from: OPEN, to: null },
  note: { from: NOT_FINAL, to: null },
  escalate: { from: OPEN, to: null },
};

export function isOpen(status: ComplaintStatus): boolean {
  return OPEN.includes(status);
}

/** The status after `action`, or null when the action is not allowed from `status`. */
export function nextStatus(status: ComplaintStatus, action: ComplaintAction): ComplaintStatus | null {
  const t = TRANSITIONS[action];
  if (!t.from.includes(status)) return null;
  if (action === 'return' && status === 'in_progress') return 'accepted';
  return t.to ?? status;
}

/** Which deadline runs in a status: waiting to be acknowledged, or to be resolved. */
export function stageOf(status: ComplaintStatus): 'ack' | 'resolve' | null {
  if (status === 'submitted' || status === 'reopened') return 'ack';
  if (status === 'accepted' || status === 'in_progress') return 'resolve';
  return null;
}

export function levelAbove(level: Level): Level | null {
  const i = LEVELS.indexOf(level);
  return i < LEVELS.length - 1 ? LEVELS[i + 1]! : null;
}

/** The org kind that handles a level (the chain's org of that kind above the compound). */
export const LEVEL_KIND: Record<Level, 'compound' | 'community' | 'subdistrict' | 'district' | 'city'> = {
  compound: 'compound',
  community: 'community',
  subdistrict: 'subdistrict',
  district: 'district',
  city: 'city',
};

/** The roles that handle complaints (and that a complaint can be transferred to). */
export const HANDLER_ROLES = ['handler', 'grid_worker', 'property_manager'] as const;
export type HandlerRole = (typeof HANDLER_ROLES)[number];
