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

export const importResultSchema = z.object({
  units: z.number().describe('rows imported'),
  unitsCreated: z.number(),
  unitsUpdated: z.number(),
  buildingsCreated: z.number(),
  ownersCreated: z.number(),
  ownerLinks: z.number(),
});

export const unitSchema = z.object({
  id: z.number(),
  compoundId: z.number(),
  buildingId: z.number(),
  building: z.string(),
  unit: z.string(),
  room: z.string(),
  area: z.string(),
  owners: z.array(z.object({ personId: z.number(), name: z.string(), voter: z.boolean() })),
});
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
