import { parse } from 'csv-parse/sync';
import type { ErrorDetail } from '../../kernel/access/errors.js';
import {
  COLUMN_NAMES_ZH,
  CSV_COLUMNS,
  type CsvColumn,
  canonicalColumn,
  type UnitInput,
  unitInput,
} from './schema.js';

/**
 * Turns an import body (JSON list, CSV text or an xlsx sheet's rows) into validated units, or the
 * list of every bad row.
 *
 * CSV and xlsx: a header row with `building,unit,room,area,owner_name,owner_phone,voter` (the
 * last three optional; each also by its Chinese name, `COLUMN_NAMES_ZH`); a unit with several
 * owners takes one row per owner, repeating its address and area. Row numbers in errors count
 * the header as row 1, as a spreadsheet shows them.
 * JSON: `[{building, unit, room, area, owners: [{name, phone?, voter?}]}]` (or `{units: [...]}`);
 * row numbers there are 1-based positions in the list.
 */
export type ParseResult = { ok: true; units: UnitInput[] } | { ok: false; errors: ErrorDetail[] };

export function parseJsonUnits(body: unknown): ParseResult {
  const list = Array.isArray(body) ? body : (body as { units?: unknown })?.units;
  if (!Array.isArray(list)) {
    return {
      ok: false,
      errors: [{ field: 'units', message: 'expected a list of units or {"units": [...]}' }],
    };
  }
  const units: UnitInput[] = [];
  const errors: ErrorDetail[] = [];
  list.forEach((item, i) => {
    const r = unitInput.safeParse(item);
    if (r.success) units.push(r.data);
    else
      for (const issue of r.error.issues)
        errors.push({ row: i + 1, field: issue.path.join('.') || 'row', message: issue.message });
  });
  return finish(units, errors, (i) => i + 1);
}

export function parseCsvUnits(text: string): ParseResult {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (err) {
    return { ok: false, errors: [{ field: 'csv', message: `not valid CSV: ${(err as Error).message}` }] };
  }
  return parseTableUnits(
    records.map((cells, i) => ({ row: i + 1, cells })),
    'csv',
  );
}

/**
 * Units from the rows of a table (a CSV's records, an xlsx sheet's rows), the header row first.
 * `format` names the file's kind in errors about its shape.
 */
export function parseTableUnits(
  table: { row: number; cells: string[] }[],
  format: 'csv' | 'xlsx',
): ParseResult {
  // a sheet may carry a title above its header ("XX小区业主名册", merged across the columns)
  const start = format === 'xlsx' ? Math.max(0, table.slice(0, TITLE_ROWS + 1).findIndex(namesRequired)) : 0;
  const headerRow = table[start];
  if (!headerRow) return { ok: false, errors: [{ field: format, message: 'empty file' }] };
  const header = headerRow.cells.map((h) => canonicalColumn(h));
  const unknown = headerRow.cells.filter((_, i) => header[i] === undefined);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  const twice = CSV_COLUMNS.filter((c) => header.filter((h) => h === c).length > 1);
  if (unknown.length || missing.length || twice.length) {
    const r = headerRow.row;
    return {
      ok: false,
      errors: [
        ...missing.map((c) => ({ row: r, field: c, message: 'missing column' })),
        ...unknown.map((c) => ({
          row: r,
          field: c,
          message: `unknown column (expected ${CSV_COLUMNS.join(', ')}, or their Chinese names ${CSV_COLUMNS.map((k) => COLUMN_NAMES_ZH[k][0]).join(', ')})`,
        })),
        ...twice.map((c) => ({ row: r, field: c, message: 'column named twice' })),
      ],
    };
  }
  const errors: ErrorDetail[] = [];
  const byAddress = new Map<string, { unit: UnitInput; row: number }>();
  const order: UnitInput[] = [];
  const rowOf = new Map<UnitInput, number>();
  for (const { row, cells: rec } of table.slice(start + 1)) {
    if (rec.length > header.length)
      errors.push({ row, field: format, message: `has ${rec.length} fields, header has ${header.length}` });
    const get = (c: CsvColumn) => {
      const v = rec[header.indexOf(c)];
      return v === undefined || v === '' ? undefined : v;
    };
    const voterText = get('voter');
    const voter = voterText === undefined ? undefined : /^(1|true|yes|是|y)$/i.test(voterText);
    const ownerName = get('owner_name');
    const candidate = {
      building: get('building'),
      unit: get('unit'),
      room: get('room'),
      area: get('area'),
      owners:
        ownerName || get('owner_phone') ? [{ name: ownerName ?? '', phone: get('owner_phone'), voter }] : [],
    };
    const r = unitInput.safeParse(candidate);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const path = issue.path.join('.');
        const field = path.startsWith('owners.0.')
          ? `owner_${path.slice(9)}`.replace('owner_voter', 'voter')
          : path;
        errors.push({ row, field, message: issue.message });
      }
      continue;
    }
    const key = `${r.data.building}\u0000${r.data.unit}\u0000${r.data.room}`;
    const prior = byAddress.get(key);
    if (!prior) {
      byAddress.set(key, { unit: r.data, row });
      order.push(r.data);
      rowOf.set(r.data, row);
    } else if (prior.unit.area !== r.data.area) {
      errors.push({
        row,
        field: 'area',
        message: `differs from row ${prior.row} for the same unit (${prior.unit.area})`,
      });
    } else {
      prior.unit.owners.push(...r.data.owners);
    }
  }
  return finish(order, errors, (i) => rowOf.get(order[i]!) ?? i + 2);
}

/** How many rows above an xlsx's header are passed over as its title. */
const TITLE_ROWS = 5;
const REQUIRED = ['building', 'unit', 'room', 'area'] as const;

/** Whether a row names every required column: the header row of a sheet. */
function namesRequired(r: { cells: string[] }): boolean {
  const names = r.cells.map((h) => canonicalColumn(h));
  return REQUIRED.every((c) => names.includes(c));
}

/** Checks across rows: one voter per unit, no duplicate address, no owner listed twice. */
function finish(units: UnitInput[], errors: ErrorDetail[], rowNumber: (i: number) => number): ParseResult {
  const seen = new Map<string, number>();
  units.forEach((u, i) => {
    const row = rowNumber(i);
    const key = `${u.building}\u0000${u.unit}\u0000${u.room}`;
    const prior = seen.get(key);
    if (prior !== undefined) errors.push({ row, field: 'room', message: `same unit as row ${prior}` });
    else seen.set(key, row);
    if (u.owners.filter((o) => o.voter).length > 1) {
      errors.push({ row, field: 'voter', message: 'a unit names one voter among its co-owners' });
    }
    const names = u.owners.map((o) => `${o.name}\u0000${o.phone ?? ''}`);
    if (new Set(names).size !== names.length)
      errors.push({ row, field: 'owners', message: 'an owner is listed twice' });
  });
  if (units.length === 0 && errors.length === 0)
    errors.push({ field: 'units', message: 'no units to import' });
  errors.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return errors.length ? { ok: false, errors } : { ok: true, units };
}
