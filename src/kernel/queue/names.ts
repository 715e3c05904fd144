/**
 * Every BullMQ queue Linli uses, in one place.
 *
 * Contract for all jobs: the payload carries ids only (never a name, phone or message text),
 * and a job whose effect must happen once has a deterministic job id (no `:`, never a bare
 * integer: BullMQ rejects the first and confuses the second with its own counters).
 */
export const QueueName = {
  /** Housekeeping on a schedule: purges expired bind codes and old dedupe rows. */
  maintenance: 'maintenance',
  /** One queue per channel: each is drained by the process that holds that channel's adapter
   *  (the WeChat login lives in its own process role). Jobs carry a delivery id. */
  outboundTelegram: 'outbound-telegram',
  /** Complaint deadlines: `deadlines-at-<epoch second>` buckets (ack/resolve, swept set-based) and
   *  `complaint-<id>-v<version>-rating`; both re-checked against the rows. */
  deadlines: 'deadlines',
  /** The monthly digest: `digest-<YYYY-MM>` on the month's first working day, re-checked against
   *  linli.digest_sends; the officials' daily overdue list `overdue-list-<YYYY-MM-DD>` at 09:00 on
   *  working days, against linli.overdue_list_sends. */
  digests: 'digests',
  /** Conversation inactivity timeouts: `flow-timeout-<conversation>-<seq>`. */
  flows: 'flows',
  outboundWechat: 'outbound-wechat',
  outboundWecomRobot: 'outbound-wecom-robot',
  /** the WeChat Official Account's customer-service messages (any process with the account's settings sends) */
  outboundWechatOa: 'outbound-wechat-oa',
  /** Owners' votes: `proposal-<id>-open|close|remind<minutes>`, re-checked against the row. */
  votes: 'votes',
  /** Reminder occurrences `reminder-<id>-o<epoch ms>` and follow-ups `…-followup`, re-checked against the rows. */
  reminders: 'reminders',
  /** Evaluation campaigns opening and closing: `evaluation-<id>-<open|close>`, re-checked against the row. */
  evaluations: 'evaluations',
  /** Party tasks' moments `party-task-<id>-<remind|unaccepted|overdue>` and the yearly
   *  `party-checkin-<year>`; each re-checked against its row. */
  party: 'party',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Builds a job id from parts, refusing characters BullMQ cannot take. */
export function jobId(...parts: (string | number)[]): string {
  const id = parts.join('-');
  if (id.includes(':')) throw new Error(`job id may not contain ':': ${id}`);
  if (/^\d+$/.test(id)) throw new Error(`job id may not be a plain integer: ${id}`);
  return id;
}
