import type { Queryable } from '../../db/db.js';
import type { ChannelName, OutboundMessage } from '../port.js';

export interface DeliveryRow {
  id: number;
  idempotency_key: string;
  channel: ChannelName;
  chat_external_id: string;
  chat_kind: 'group' | 'private';
  org_id: number | null;
  person_id: number | null;
  message: OutboundMessage;
  urgent: boolean;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  not_before: Date;
  last_error: string | null;
  external_message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

export interface NewDelivery {
  channel: ChannelName;
  message: OutboundMessage;
  idempotencyKey: string;
  urgent?: boolean;
  orgId?: number | null;
  personId?: number | null;
  notBefore: Date;
}

/** Inserts a delivery unless its idempotency key exists; returns its id and whether it is new. */
export async function insertDelivery(
  q: Queryable,
  d: NewDelivery,
): Promise<{ id: number; created: boolean; notBefore: Date }> {
  const { rows } = await q.query<{ id: number; not_before: Date }>(
    `INSERT INTO linli.deliveries (idempotency_key, channel, chat_external_id, chat_kind, org_id, person_id, message, urgent, not_before)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, not_before`,
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
