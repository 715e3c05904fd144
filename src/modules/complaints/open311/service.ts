import { parseLocation } from '../../../flows/answers.js';
import { type AppError, badRequest, forbidden, notFound } from '../../../kernel/access/errors.js';
import { canSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { type Category, categoriesFor, DEFAULT_CATEGORIES } from '../categories.js';
import type { ComplaintRow, ComplaintService } from '../commands/transitions.js';
import { type ComplaintStatus, isOpen, STATUSES, stageOf } from '../lifecycle.js';
import { orgKind } from '../repository.js';
import {
  asCompound,
  compoundsNamedIn,
  compoundWithPath,
  findRequests,
  labelFiling,
  MAX_REQUESTS,
} from './repository.js';

export { MAX_REQUESTS } from './repository.js';

/**
 * Open311 GeoReport v2 over Linli's complaints, for city systems (12345 platforms, 数字城管) that
 * speak it. A service is a complaint category; a service request is a complaint. The api_key is
 * a Linli token: its subtree is what the caller sees and where it may file (an admin token to
 * file, any token to read); tokens of a single building are refused.
 *
 * Status: `open` = submitted, accepted, in_progress, reopened (the loop is still running);
 * `closed` = resolved (waiting for the resident's rating), closed, rejected (may still be
 * appealed, which opens it again), withdrawn.
 *
 * Personal data: first_name, last_name, phone, email, device_id and account_id are accepted and
 * dropped; the complaint has no reporter (reporterId null) and keeps only what was reported.
 */
export interface Open311ServiceInfo {
  service_code: string;
  service_name: string;
  description: string;
  metadata: false;
  type: 'realtime';
  keywords: string;
  group: string;
}

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string;
  address_id: string;
  zipcode: null;
  lat: null;
  long: null;
  media_url: string | null;
}

export interface CreateRequestInput {
  service_code?: string;
  description?: string;
  address_string?: string;
  address_id?: string;
  lat?: string;
  long?: string;
  media_url?: string;
}

export interface ListRequestsInput {
  service_request_id?: string;
  service_code?: string;
  start_date?: string;
  end_date?: string;
  status?: string;
}

/** The spec's default window (our cap on one answer: MAX_REQUESTS). */
const DEFAULT_DAYS = 90;

/** Service groups of the default categories (a custom category falls in 其他). */
const GROUPS: Record<string, string> = {
  repairs: '设施设备',
  lifts: '设施设备',
  greening: '环境卫生',
  sanitation: '环境卫生',
  parking: '安全秩序',
  security: '安全秩序',
  falling_objects: '安全秩序',
  noise: '邻里关系',
  disputes: '邻里关系',
  fees: '物业服务',
};

const CLOSED_STATUSES = STATUSES.filter((s) => !isOpen(s));
const OPEN_STATUSES = STATUSES.filter((s) => isOpen(s));

export class Open311Service {
  constructor(
    private readonly db: Db,
    private readonly complaints: ComplaintService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** 403 unless the token may use Open311 (any token above a single building; admin to write). */
  async authorize(p: Principal | null, write: boolean, given: boolean): Promise<Principal> {
    if (!p) throw forbidden(given ? 'api_key is invalid or revoked' : 'api_key is required');
    if (p.kind === 'superuser') return p;
    const kind = await orgKind(this.db, p.orgId);
    if (kind === null || kind === 'building') {
      throw forbidden('api_key must be a token of a compound or an org above it');
    }
    if (write && p.role !== 'admin')
      throw forbidden('api_key is read-only (viewer): filing needs an admin token');
    return p;
  }

  async services(p: Principal): Promise<Open311ServiceInfo[]> {
    return (await categoriesFor(this.db, scopeOrgId(p))).map(toService);
  }

  async serviceDefinition(p: Principal, code: string): Promise<{ service_code: string; attributes: [] }> {
    const categories = await categoriesFor(this.db, scopeOrgId(p));
    if (!categories.some((c) => c.code === code)) throw notFound('service_code', code);
    // no extra attributes: the description (and the address) say everything
    return { service_code: code, attributes: [] };
  }

  /** Files a complaint; deadlines and notifications follow after COMMIT. */
  async create(
    p: Principal,
    input: CreateRequestInput,
    log?: { warn(obj: object, msg: string): void },
  ): Promise<{ service_request_id: string; service_notice: string; account_id: null }[]> {
    const serviceCode = input.service_code?.trim();
    if (!serviceCode) throw required('service_code');
    const description = input.description?.trim();
    if (!description) throw required('description');
    if (description.length > 2000) throw invalid('description', 'must be at most 2000 characters');
    const mediaUrl = input.media_url?.trim() || null;
    if (mediaUrl && (mediaUrl.length > 300 || !/^https?:\/\/\S+$/i.test(mediaUrl))) {
      throw invalid('media_url', 'must be an http(s) URL of at most 300 characters');
    }
    const filed = await this.db.transaction(async (tx) => {
      const place = await this.locate(tx, p, input);
      const categories = await categoriesFor(tx, place.compound.id);
      if (!categories.some((c) => c.code === serviceCode)) {
        throw invalid('service_code', `"${serviceCode}" is not a service of ${place.compound.name}`);
      }
      // a location that is not building/unit/room ("东门") stays with the description
      const text = place.extra ? `${description}\n地点：${place.extra}`.slice(0, 2000) : description;
      const c = await this.complaints.file(tx, {
        compoundId: place.compound.id,
        reporterId: null,
        anonymous: false,
        category: serviceCode,
        description: text,
        building: place.location?.building,
        unit: place.location?.unit || undefined,
        room: place.location?.room,
        photos: mediaUrl ? [mediaUrl] : [],
        channel: 'open311',
      });
      // the timeline says which token filed it (the reporter is outside Linli)
      await labelFiling(tx, c.id, `open311: ${p.label}`, p.tokenId);
      return c;
    });
    try {
      await this.complaints.afterChange(filed);
    } catch (err) {
      // filed and committed: the reconciler re-adds lost deadline jobs; a retry would file twice
      log?.warn({ err, complaintId: filed.id }, 'open311: scheduling after filing failed');
    }
    return [
      {
        service_request_id: String(filed.id),
        service_notice: notice(filed),
        account_id: null,
      },
    ];
  }

  async list(p: Principal, f: ListRequestsInput): Promise<Open311Request[]> {
    const ids = f.service_request_id?.trim() ? parseIds(f.service_request_id) : null;
    // given ids override every other filter (the spec)
    const codes = ids ? null : list(f.service_code);
    let statuses: ComplaintStatus[] | null = null;
    let start: Date | null = null;
    let end: Date | null = null;
    if (!ids) {
      const wanted = list(f.status);
      if (wanted) {
        const bad = wanted.find((s) => s !== 'open' && s !== 'closed');
        if (bad) throw invalid('status', `"${bad}" is neither open nor closed`);
        statuses = [
          ...(wanted.includes('open') ? OPEN_STATUSES : []),
          ...(wanted.includes('closed') ? CLOSED_STATUSES : []),
        ];
      }
      end = f.end_date ? parseDate('end_date', f.end_date) : null;
      start = f.start_date
        ? parseDate('start_date', f.start_date)
        : new Date((end ?? this.now()).getTime() - DEFAULT_DAYS * 86_400_000);
      if (end && start > end) throw invalid('start_date', 'must not be after end_date');
    }
    return this.query(p, { ids, codes, statuses, start, end });
  }

  async get(p: Principal, rawId: string): Promise<Open311Request[]> {
    const id = /^\d{1,15}$/.test(rawId) ? Number(rawId) : null;
    const found = id
      ? await this.query(p, { ids: [id], codes: null, statuses: null, start: null, end: null })
      : [];
    if (!found.length) throw notFound('service_request_id', rawId);
    return found;
  }

  private async query(
    p: Principal,
    f: {
      ids: number[] | null;
      codes: string[] | null;
      statuses: ComplaintStatus[] | null;
      start: Date | null;
      end: Date | null;
    },
  ): Promise<Open311Request[]> {
    const rows = await findRequests(this.db, { scope: scopeOrgId(p), ...f });
    return rows.map((r) => {
      const stage = stageOf(r.status);
      const place = [r.building, r.unit_no, r.room].filter(Boolean).join('');
      const media = r.photos.find((u) => /^https?:\/\//i.test(u)) ?? null;
      return {
        service_request_id: String(r.id),
        status: isOpen(r.status) ? 'open' : 'closed',
        status_notes: r.status_notes,
        service_name: r.service_name ?? defaultLabel(r.category),
        service_code: r.category,
        description: r.description,
        agency_responsible: r.agency,
        service_notice: notice(r),
        requested_datetime: r.created_at.toISOString(),
        updated_datetime: r.updated_at.toISOString(),
        // the running deadline: acknowledgement while waiting for it, else resolution; none once closed
        expected_datetime:
          (stage === 'ack' ? r.ack_due_at : stage === 'resolve' ? r.resolve_due_at : null)?.toISOString() ??
          null,
        address: place ? `${r.compound_name} ${place}` : r.compound_name,
        address_id: String(r.org_id),
        zipcode: null,
        lat: null,
        long: null,
        // chat photos are channel file ids, not URLs: only a URL is a media_url
        media_url: media,
      };
    });
  }

  /**
   * The compound and the place in it: address_id (a compound id), or address_string naming a
   * compound of the token's subtree ("阳光小区 3栋2单元501": the longest name found in it, then
   * building/unit/room after it). A compound token may leave the compound out.
   */
  private async locate(
    tx: Queryable,
    p: Principal,
    input: CreateRequestInput,
  ): Promise<{
    compound: { id: number; name: string };
    location: { building: string; unit: string; room: string } | null;
    extra: string | null;
  }> {
    const address = input.address_string?.trim() || null;
    const addressId = input.address_id?.trim() || null;
    let compound: { id: number; name: string } | null = null;
    let rest: string | null = address;
    if (addressId) {
      const row = /^\d{1,15}$/.test(addressId) ? await compoundWithPath(tx, Number(addressId)) : undefined;
      if (!row || !canSee(p, row.path.map(Number))) {
        throw invalid('address_id', 'is not a compound of this api_key');
      }
      compound = { id: row.id, name: row.name };
      if (address?.includes(row.name)) rest = after(address, row.name);
    } else if (address) {
      const rows = await compoundsNamedIn(tx, scopeOrgId(p), address);
      const longest = rows.filter((r) => r.name.length === rows[0]?.name.length);
      if (longest.length > 1) {
        throw invalid('address_string', `names ${longest.length} compounds of this api_key; give address_id`);
      }
      if (longest[0]) {
        compound = longest[0];
        rest = after(address, compound.name);
      }
    }
    if (!compound) {
      compound = await this.ownCompound(tx, p);
      if (!compound) {
        throw address
          ? invalid('address_string', 'names no compound of this api_key')
          : invalid(
              'address_string',
              input.lat || input.long
                ? 'or address_id is required (lat/long are not supported)'
                : 'or address_id is required',
            );
      }
    }
    const trimmed = rest?.replace(/^[\s,，、:：]+|[\s,，。]+$/g, '') || null;
    const location = trimmed ? parseLocation(trimmed) : null;
    return { compound, location, extra: trimmed && !location ? trimmed : null };
  }

  private async ownCompound(tx: Queryable, p: Principal): Promise<{ id: number; name: string } | null> {
    if (p.kind !== 'scoped') return null;
    return asCompound(tx, p.orgId);
  }
}

function toService(c: Category): Open311ServiceInfo {
  return {
    service_code: c.code,
    service_name: c.zh,
    description: c.en,
    metadata: false,
    type: 'realtime',
    keywords: [c.zh, c.en].join(','),
    group: GROUPS[c.code] ?? '其他',
  };
}

function notice(c: Pick<ComplaintRow, 'number'>): string {
  return `报事编号 ${c.number}`;
}

function defaultLabel(code: string): string {
  return DEFAULT_CATEGORIES.find((c) => c.code === code)?.zh ?? code;
}

function after(text: string, name: string): string {
  return text.slice(text.indexOf(name) + name.length);
}

function list(v: string | undefined): string[] | null {
  const items = v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items?.length ? items : null;
}

function parseIds(v: string): number[] {
  const items = list(v) ?? [];
  const bad = items.find((s) => !/^\d{1,15}$/.test(s));
  if (bad) throw invalid('service_request_id', `"${bad}" is not a service request id`);
  if (items.length > MAX_REQUESTS) throw invalid('service_request_id', `at most ${MAX_REQUESTS} ids`);
  return items.map(Number);
}

function parseDate(field: string, v: string): Date {
  // w3c datetime (ISO 8601), e.g. 2026-01-31T08:00:00+08:00
  const d = /^\d{4}-\d{2}-\d{2}/.test(v.trim()) ? new Date(v.trim()) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()))
    throw invalid(field, 'must be a w3c datetime, e.g. 2026-01-31T08:00:00+08:00');
  return d;
}

function required(field: string): AppError {
  return badRequest(`${field} is required`, [{ field, message: 'required' }]);
}

function invalid(field: string, message: string): AppError {
  return badRequest(`${field} ${message}`, [{ field, message }]);
}
