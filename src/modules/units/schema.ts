import { z } from 'zod';
import { phoneSchema } from '../people/index.js';

/**
 * One unit of the register and its owners, as imported. Area is exclusive floor area in m²
 * with at most two decimals, kept as an exact decimal string (Art. 278 counts it).
 */
const area = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim())
  .pipe(
    z
      .string()
      .regex(/^\d{1,10}(\.\d{1,2})?$/, {
        message: 'must be a positive number of m² with at most two decimals',
        abort: true,
      })
      .refine((v) => Number(v) > 0, 'must be greater than 0'),
  );
const label = (max: number) =>
  z
    .union([z.string(), z.number()], { error: 'must not be empty' })
    .transform((v) => String(v).trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

export const ownerInput = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100),
  phone: phoneSchema.optional(),
  voter: z.boolean().optional(),
});

export const unitInput = z.strictObject({
  building: label(50).describe('building name as residents say it, e.g. "3栋"'),
  unit: label(50).describe('entrance/unit number, e.g. "2单元"'),
  room: label(50),
  area,
  owners: z.array(ownerInput).max(20).default([]),
});
export type UnitInput = z.infer<typeof unitInput>;

export const importResultSchema = z
  .object({
    units: z.number().describe('rows imported'),
    unitsCreated: z.number(),
    unitsUpdated: z.number(),
    buildingsCreated: z.number(),
    ownersCreated: z.number(),
    ownerLinks: z.number(),
  })
  .meta({ id: 'UnitImportResult' });
export type ImportResult = z.infer<typeof importResultSchema>;

export const unitSchema = z
  .object({
    id: z.number().int(),
    compoundId: z.number().int(),
    buildingId: z.number().int(),
    building: z.string(),
    unit: z.string(),
    room: z.string(),
    area: z.string(),
    owners: z.array(z.object({ personId: z.number().int(), name: z.string(), voter: z.boolean() })),
  })
  .meta({ id: 'Unit' });
export type Unit = z.infer<typeof unitSchema>;

export const CSV_COLUMNS = [
  'building',
  'unit',
  'room',
  'area',
  'owner_name',
  'owner_phone',
  'voter',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/**
 * The Chinese column names a register kept in Excel uses, accepted as the English ones (the first
 * is the one error messages suggest). The area is the exclusive floor area (专有部分面积) that
 * Art. 278 counts: 建筑面积 (gross floor area, shared parts included) is another figure and is
 * deliberately not a name of this column.
 */
export const COLUMN_NAMES_ZH: Record<CsvColumn, readonly string[]> = {
  building: ['楼栋', '栋', '楼号', '楼栋号'],
  unit: ['单元', '单元号'],
  room: ['房号', '室', '房间号', '户号'],
  area: ['专有面积', '专有部分面积', '面积'],
  owner_name: ['业主姓名', '业主', '姓名'],
  owner_phone: ['业主电话', '电话', '手机', '手机号', '联系电话'],
  voter: ['投票人', '表决人'],
};

/** The column a header cell names (English, any case, or Chinese), or undefined. */
export function canonicalColumn(header: string): CsvColumn | undefined {
  const h = header.replace(/[\s\u3000]/g, '').toLowerCase();
  return CSV_COLUMNS.find((c) => c === h || COLUMN_NAMES_ZH[c].includes(h));
}
