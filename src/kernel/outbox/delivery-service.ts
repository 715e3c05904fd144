import { z } from 'zod';
import { requireOrg, requirePerson } from '../access/in-scope.js';
import { decodeCursor, page } from '../access/pagination.js';
import { type Principal, scopeOrgId } from '../access/principal.js';
import { DELIVERY_CHANNELS } from '../chat/port.js';
import type { Db } from '../db/db.js';
import { DELIVERY_STATUSES, type DeliveryRow, type DeliveryStatus } from './delivery-repository.js';

export const deliverySchema = z
  .object({
    id: z.number().int(),
    channel: z.enum(DELIVERY_CHANNELS),
    chatExternalId: z.string(),
    chatKind: z.enum(['group', 'private']),
    orgId: z.number().int().nullable(),
    personId: z.number().int().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    urgent: z.boolean(),
    attempts: z.number(),
    notBefore: z.date(),
    lastError: z.string().nullable(),
    externalMessageId: z.string().nullable(),
    createdAt: z.date(),
    sentAt: z.date().nullable(),
    failedAt: z.date().nullable(),
    subject: z.string().nullable().describe('what it was about: `complaint:12:reporter`'),
    reroutedTo: z.number().nullable().describe('the group delivery sent instead of this refused one'),
  })
  .meta({ id: 'Delivery' });

/** Tokens at the community level and above (and the superuser) see whom a discreet delivery was for. */
async function seesDiscreet(db: Db, p: Principal): Promise<boolean> {
  if (p.kind === 'superuser') return true;
  const { rows } = await db.query<{ kind: string }>('SELECT kind FROM linli.orgs WHERE id = $1', [p.orgId]);
  return ['community', 'subdistrict', 'district', 'city'].includes(rows[0]?.kind ?? '');
}

/** Delivery records for admins: what was queued, sent or failed and why (texts are not listed). */
export class DeliveryService {
  constructor(private readonly db: Db) {}

  async list(
    p: Principal,
    f: {
      orgId?: number;
      chat?: string;
      personId?: number;
      status?: DeliveryStatus;
      limit: number;
      cursor?: string;
    },
  ) {
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    if (f.personId !== undefined) await requirePerson(this.db, p, f.personId, { field: 'personId' });
    const scope = f.orgId ?? scopeOrgId(p);
    const reveal = await seesDiscreet(this.db, p);
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT d.* FROM linli.deliveries d LEFT JOIN linli.orgs o ON o.id = d.org_id
       WHERE ($1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]) AND ($2::text IS NULL OR d.chat_external_id = $2)
         AND ($3::bigint IS NULL OR d.person_id = $3) AND ($4::text IS NULL OR d.status = $4)
         AND ($5::bigint IS NULL OR d.id < $5)
         -- asking by person or chat must not find whom a discreet delivery was for either
         AND ($7::boolean OR NOT d.discreet OR ($2::text IS NULL AND $3::bigint IS NULL))
       ORDER BY d.id DESC LIMIT $6`,
      [
        scope,
        f.chat ?? null,
        f.personId ?? null,
        f.status ?? null,
        decodeCursor(f.cursor),
        f.limit + 1,
        reveal,
      ],
    );
    const hidden = (r: DeliveryRow) => r.discreet && !reveal;
    return page(
      rows.map((r) => ({
        id: r.id,
        channel: r.channel,
        // an anonymous reporter's chat id would name them as surely as their person id
        chatExternalId: hidden(r) && r.chat_kind === 'private' ? '(withheld)' : r.chat_external_id,
        chatKind: r.chat_kind,
        orgId: r.org_id,
        personId: hidden(r) ? null : r.person_id,
        status: r.status,
        urgent: r.urgent,
        attempts: r.attempts,
        notBefore: r.not_before,
        lastError: r.last_error,
        externalMessageId: r.external_message_id,
        createdAt: r.created_at,
        sentAt: r.sent_at,
        failedAt: r.failed_at,
        subject: r.subject,
        reroutedTo: r.rerouted_to,
      })),
      f.limit,
    );
  }
}
