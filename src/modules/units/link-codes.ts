import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../../kernel/access/audit.js';
import { badRequest, notFound } from '../../kernel/access/errors.js';
import { requireInScope } from '../../kernel/access/in-scope.js';
import {
  type Actor,
  assertCanSee,
  assertCanWrite,
  assertWriter,
  type Principal,
} from '../../kernel/access/principal.js';
import type { Db, Queryable } from '../../kernel/db/db.js';
import { findOrg } from '../orgs/index.js';

/**
 * Per-unit verification codes (认证码): the committee issues one per unit, prints it (the CSV is a
 * mail merge: address → code) and hands it to the owner, who sends 「认证 CODE」 to the bot; the
 * code links their chat account to the unit's owner in the register (linking.ts).
 *
 * Codes: 8 characters of a 32-letter alphabet without 0/O/1/I (40 bits; typed back from paper,
 * so nothing that looks like something else), one active code per unit, single use.
 *
 * Stored as issued, not hashed: the committee must be able to download the CSV again (a lost
 * file, a reprint), which a hash cannot give; and a hash of 40 bits is no protection against
 * whoever reads the database (2^40 sha256 is minutes of GPU work), who could as well read the
 * register itself. What protects a code is that it is single use, revocable, and that guessing is
 * rate limited per chat account (linking.ts).
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 8;

/** A fresh code: each random byte picks one of 32 letters (256 = 8 × 32: no bias). */
export function newCode(): string {
  return [...randomBytes(CODE_LENGTH)].map((b) => CODE_ALPHABET[b & 31]).join('');
}

/** What a person typed as a code, as stored: upper case, spaces and dashes gone; null if it cannot be one. */
export function normalizeCode(typed: string): string | null {
  const c = typed.toUpperCase().replace(/[\s\-_]/g, '');
  return new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`).test(c) ? c : null;
}

export const issueCodesBody = z.strictObject({
  unitIds: z
    .array(z.number().int().positive())
    .min(1)
    .max(5000)
    .optional()
    .describe('the units to issue codes for; default every unit of the compound'),
  replace: z
    .boolean()
    .optional()
    .describe('revoke a unit’s active code and issue a new one; default false: units with one are skipped'),
});
export const revokeCodesBody = z.strictObject({
  unitIds: z
    .array(z.number().int().positive())
    .min(1)
    .max(5000)
    .optional()
    .describe('the units whose active code is revoked; default every unit of the compound'),
});

export const unitCodeSchema = z
  .object({
    unitId: z.number().int(),
    building: z.string(),
    unit: z.string(),
    room: z.string(),
    address: z.string(),
    owners: z.array(z.string()),
    code: z.string(),
    createdAt: z.date(),
  })
  .meta({ id: 'UnitCode' });
export type UnitCode = z.infer<typeof unitCodeSchema>;

export const issueResultSchema = z
  .object({
    issued: z.array(unitCodeSchema),
    skipped: z.array(z.number()).describe('units that kept their active code (replace: false)'),
  })
  .meta({ id: 'UnitCodesIssued' });

interface CodeRow {
  unit_id: number;
  building: string;
  unit_no: string;
  room: string;
  owners: string[] | null;
  code: string;
  created_at: Date;
}

const toCode = (r: CodeRow): UnitCode => ({
  unitId: Number(r.unit_id),
  building: r.building,
  unit: r.unit_no,
  room: r.room,
  address: `${r.building}${r.unit_no}${r.room}`,
  owners: r.owners ?? [],
  code: r.code,
  createdAt: r.created_at,
});

const ACTIVE_CODES = `SELECT c.unit_id, b.name AS building, u.unit_no, u.room, c.code, c.created_at,
    (SELECT array_agg(p.name ORDER BY uo.is_voter DESC, p.id) FROM linli.unit_owners uo
       JOIN linli.people p ON p.id = uo.person_id WHERE uo.unit_id = u.id) AS owners
  FROM linli.unit_link_codes c JOIN linli.units u ON u.id = c.unit_id JOIN linli.orgs b ON b.id = u.building_id
  WHERE c.status = 'active' AND u.compound_id = $1 AND ($2::bigint[] IS NULL OR c.unit_id = ANY($2::bigint[]))
  ORDER BY b.name, u.unit_no, u.room, u.id`;

export class LinkCodeService {
  constructor(private readonly db: Db) {}

  async issue(actor: Actor, compoundId: number, body: z.infer<typeof issueCodesBody>) {
    return this.db.transaction(async (tx) => {
      await this.compound(tx, actor.principal, compoundId, true);
      const units = await this.units(tx, actor.principal, compoundId, body.unitIds);
      const issuedIds: number[] = [];
      const skipped: number[] = [];
      for (const unitId of units) {
        // the unit row locked: two issues for one unit never both find it without a code
        await tx.query('SELECT 1 FROM linli.units WHERE id = $1 FOR UPDATE', [unitId]);
        if (body.replace) {
          await tx.query(
            `UPDATE linli.unit_link_codes SET status = 'revoked', revoked_at = now() WHERE unit_id = $1 AND status = 'active'`,
            [unitId],
          );
        } else {
          const { rows } = await tx.query(
            `SELECT 1 FROM linli.unit_link_codes WHERE unit_id = $1 AND status = 'active'`,
            [unitId],
          );
          if (rows.length > 0) {
            skipped.push(unitId);
            continue;
          }
        }
        await insertCode(tx, unitId);
        issuedIds.push(unitId);
      }
      await recordAudit(tx, actor, {
        action: 'unit_codes.issue',
        objectType: 'org',
        objectId: compoundId,
        orgId: compoundId,
        // the codes themselves stay out of the audit log
        after: { units: issuedIds, skipped, replace: body.replace ?? false },
      });
      const issued =
        issuedIds.length === 0
          ? []
          : (await tx.query<CodeRow>(ACTIVE_CODES, [compoundId, issuedIds])).rows.map(toCode);
      return { issued, skipped };
    });
  }

  async revoke(actor: Actor, compoundId: number, body: z.infer<typeof revokeCodesBody>) {
    return this.db.transaction(async (tx) => {
      await this.compound(tx, actor.principal, compoundId, true);
      const units = await this.units(tx, actor.principal, compoundId, body.unitIds);
      const { rows } = await tx.query<{ unit_id: number }>(
        `UPDATE linli.unit_link_codes SET status = 'revoked', revoked_at = now()
         WHERE status = 'active' AND unit_id = ANY($1::bigint[]) RETURNING unit_id`,
        [units],
      );
      const revoked = rows.map((r) => Number(r.unit_id)).sort((a, b) => a - b);
      await recordAudit(tx, actor, {
        action: 'unit_codes.revoke',
        objectType: 'org',
        objectId: compoundId,
        orgId: compoundId,
        after: { units: revoked },
      });
      return { revoked };
    });
  }

  /** The active codes of the compound, by address. */
  async list(p: Principal, compoundId: number): Promise<UnitCode[]> {
    await this.compound(this.db, p, compoundId, false);
    return (await this.db.query<CodeRow>(ACTIVE_CODES, [compoundId, null])).rows.map(toCode);
  }

  /** The mail-merge file: UTF-8 with a BOM (Excel opens it as such), Chinese headers, CRLF. */
  async csv(p: Principal, compoundId: number): Promise<string> {
    const codes = await this.list(p, compoundId);
    const rows = [
      ['楼栋', '单元', '房号', '地址', '业主', '认证码'],
      ...codes.map((c) => [c.building, c.unit, c.room, c.address, c.owners.join('、'), c.code]),
    ];
    return `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
  }

  private async compound(q: Queryable, p: Principal, id: number, write: boolean) {
    const org = await findOrg(q, id);
    if (!org) throw notFound('org', id);
    if (write) assertCanWrite(p, org.path, 'org', id);
    else assertCanSee(p, org.path, 'org', id);
    if (org.kind !== 'compound') {
      throw badRequest(`Units belong to a compound; org ${id} is a ${org.kind}`, [
        { field: 'id', message: 'not a compound' },
      ]);
    }
    if (write) assertWriter(p);
    return org;
  }

  /** The named units (each in scope and in this compound, else 404 naming it), or all of them. */
  private async units(q: Queryable, p: Principal, compoundId: number, ids?: number[]): Promise<number[]> {
    if (!ids) {
      const { rows } = await q.query<{ id: number }>(
        'SELECT id FROM linli.units WHERE compound_id = $1 ORDER BY id',
        [compoundId],
      );
      return rows.map((r) => Number(r.id));
    }
    const unique: number[] = [];
    for (const [i, id] of ids.entries()) {
      if (unique.includes(id)) continue;
      unique.push(id);
      const field = `unitIds.${i}`;
      await requireInScope(q, p, 'unit', id, { field });
      const { rows } = await q.query('SELECT 1 FROM linli.units WHERE id = $1 AND compound_id = $2', [
        id,
        compoundId,
      ]);
      if (rows.length === 0)
        throw badRequest(`${field}: unit ${id} is not in compound ${compoundId}`, [
          { field, message: 'not a unit of this compound' },
        ]);
    }
    return unique;
  }
}

/** A new active code for the unit; a code taken already (1 in 10^12) is drawn again. */
async function insertCode(tx: Queryable, unitId: number): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const { rows } = await tx.query(
      `INSERT INTO linli.unit_link_codes (unit_id, code) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING RETURNING id`,
      [unitId, newCode()],
    );
    if (rows.length > 0) return;
  }
  throw new Error('no free verification code after 5 draws');
}

/** A CSV cell; text that a spreadsheet would run as a formula is quoted with a leading '. */
function csvCell(v: string): string {
  const s = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
