import ExcelJS from 'exceljs';
import type { ErrorDetail } from '../../kernel/access/errors.js';
import { isStorable } from '../../kernel/db/storable-text.js';
import { zipOutOfBounds } from './zip-bounds.js';

/**
 * The rows of an uploaded .xlsx register: its first sheet, each row with its row number as Excel
 * shows it (blank rows skipped; import-parse.ts finds the header among the first rows). A cell counts by the value it holds: text
 * as written, a number in its shortest decimal form (so 89.5 is "89.5"), a formula by its cached
 * result, a merged cell by the value of the merge (a building name merged down its rows repeats).
 * A file that is not a readable xlsx, an error value (#N/A…) or a date in a cell is refused.
 */
export type SheetRow = { row: number; cells: string[] };
export type SheetResult = { ok: true; rows: SheetRow[] } | { ok: false; errors: ErrorDetail[] };

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Unpacked, a register of 20,000 rows is a few MiB of XML; this bounds a zip bomb well above. */
const ZIP_LIMITS = { maxEntries: 1000, maxBytes: 64 * 1024 * 1024 };

export function looksLikeZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

export async function readXlsxRows(bytes: Buffer): Promise<SheetResult> {
  if (!looksLikeZip(bytes)) return refuse('the body is not an .xlsx file (an .xlsx is a zip archive)');
  const bounds = zipOutOfBounds(bytes, ZIP_LIMITS);
  if (bounds) return refuse(`the .xlsx cannot be read: ${bounds}`);
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs declares its own `Buffer` type (an ArrayBuffer), which Node's Buffer satisfies at run time
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    return refuse(`the .xlsx cannot be read: ${(err as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return refuse('the .xlsx has no worksheet');
  const rows: SheetRow[] = [];
  const errors: ErrorDetail[] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) {
      const text = cellText(row.getCell(c).value);
      if (typeof text === 'string') cells.push(text.trim());
      else {
        cells.push('');
        errors.push({
          row: row.number,
          field: columnName(c),
          message: `column ${columnName(c)} ${text.problem}`,
        });
      }
    }
    while (cells.length && cells[cells.length - 1] === '') cells.pop();
    if (cells.length) rows.push({ row: row.number, cells });
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, rows };
}

function cellText(v: ExcelJS.CellValue): string | { problem: string } {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') {
    if (!isStorable(v)) return { problem: 'contains U+0000 or a lone UTF-16 surrogate' };
    if (v.includes('\ufffd'))
      return { problem: 'contains U+FFFD, a character lost before the file was saved' };
    return v;
  }
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return { problem: 'holds a date; type the value as text or a number' };
  if ('error' in v) return { problem: `holds the error value ${v.error}` };
  if ('richText' in v) return cellText(v.richText.map((r) => r.text).join(''));
  if ('hyperlink' in v) return cellText(v.text);
  if ('formula' in v || 'sharedFormula' in v) {
    return v.result === undefined
      ? { problem: 'holds a formula without a saved result' }
      : cellText(v.result);
  }
  return { problem: 'holds a value of a kind that is not read' };
}

/** Excel's letter name of a 1-based column: 1 → A, 27 → AA. */
export function columnName(n: number): string {
  let s = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26)) s = String.fromCharCode(65 + ((c - 1) % 26)) + s;
  return s;
}

function refuse(message: string): SheetResult {
  return { ok: false, errors: [{ field: 'xlsx', message }] };
}
