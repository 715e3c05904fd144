import type { DeliveryChannel, OutboundMessage } from '../chat/port.js';
import type { Queryable } from '../db/db.js';

export interface DeliveryRow {
  id: number;
  idempotency_key: string;
  channel: DeliveryChannel;
  chat_external_id: string;
  chat_kind: 'group' | 'private';
  org_id: number | null;
  person_id: number | null;
  message: OutboundMessage;
  urgent: boolean;
  status: DeliveryStatus;
  attempts: number;
  not_before: Date;
  /** the lease of the run sending it (null when none holds it) */
  claimed_until: Date | null;
  last_error: string | null;
  external_message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  /** sent to the person's group instead when the platform refuses the private message (017) */
  fallback: OutboundMessage | null;
  /** what the message is about, for whoever records that it did not arrive: `complaint:12:reporter` */
  subject: string | null;
  /** the delivery that replaced this refused one (its fallback) */
  rerouted_to: number | null;
  /** the person stays unnamed in views below the community level (an anonymous reporter) */
  discreet: boolean;
  /** a reply to someone waiting (021): held only behind earlier replies to its chat, not notices */
  reply: boolean;
}

/**
 * `queued` → `sent`; or `failed` (retries exhausted, or a permanent error that is not about the
 * person); or, when the platform refuses to reach the person, `rerouted` (its fallback went out
 * instead) or `unreachable` (no route left; the reason is in `last_error`).
 */
export const DELIVERY_STATUSES = ['queued', 'sent', 'failed', 'rerouted', 'unreachable'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NewDelivery {
  channel: DeliveryChannel;
  message: OutboundMessage;
  idempotencyKey: string;
  urgent?: boolean;
  orgId?: number | null;
  personId?: number | null;
  notBefore: Date;
  fallback?: OutboundMessage | null;
  subject?: string | null;
  discreet?: boolean;
  /** a reply to the person who just wrote (`OutboundRequest.express`) */
  reply?: boolean;
}

/**
 * Deliveries as a `json_to_recordset` source, for statements that write many at once (with other
 * rows, e.g. a batch of conversation turns): `SELECT … FROM json_to_recordset($n::json) AS d(${DELIVERY_RECORD})`
 * has the columns of an `INSERT INTO linli.deliveries (${DELIVERY_COLUMNS})`, plus `ref`.
 */
export const DELIVERY_COLUMNS =
  'idempotency_key, channel, chat_external_id, chat_kind, org_id, person_id, message, urgent, not_before, discreet, reply';
export const DELIVERY_RECORD =
  'ref bigint, idempotency_key text, channel text, chat_external_id text, chat_kind text, org_id bigint, person_id bigint, message jsonb, urgent boolean, not_before timestamptz, discreet boolean, reply boolean';
export const deliveryRecord = (ref: number, d: NewDelivery) => ({
  ref,
  idempotency_key: d.idempotencyKey,
  channel: d.channel,
  chat_external_id: d.message.chat.externalId,
  chat_kind: d.message.chat.kind,
  org_id: d.orgId ?? null,
  person_id: d.personId ?? null,
  message: d.message,
  urgent: d.urgent ?? false,
  not_before: d.notBefore.toISOString(),
  discreet: d.discreet ?? false,
  reply: d.reply ?? false,
});

/** Inserts a delivery unless its idempotency key exists; returns its id and whether it is new. */
export async function insertDelivery(
  q: Queryable,
  d: NewDelivery,
): Promise<{ id: number; created: boolean; notBefore: Date }> {
  const { rows } = await q.query<{ id: number; not_before: Date }>(
    `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, org_id, person_id, message, urgent, not_before,
       fallback, subject, discreet, reply)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, not_before`,
    [
      d.idempotencyKey,
      d.channel,
      d.message.chat.externalId,
      d.message.chat.kind,
      d.orgId ?? null,
      d.personId ?? null,
      JSON.stringify(d.message),
      d.urgent ?? false,
      d.notBefore,
      d.fallback ? JSON.stringify(d.fallback) : null,
      d.subject ?? null,
      d.discreet ?? false,
      d.reply ?? false,
    ],
  );
  if (rows[0]) return { id: rows[0].id, created: true, notBefore: rows[0].not_before };
  const existing = await q.query<{ id: number; not_before: Date }>(
    'SELECT id, not_before FROM linli.deliveries WHERE idempotency_key = $1',
    [d.idempotencyKey],
  );
  const row = existing.rows[0]!;
  return { id: row.id, created: false, notBefore: row.not_before };
}

export async function findDelivery(q: Queryable, id: number): Promise<DeliveryRow | null> {
  const { rows } = await q.query<DeliveryRow>('SELECT * FROM linli.deliveries WHERE id = $1', [id]);
  return rows[0] ?? null;
}
