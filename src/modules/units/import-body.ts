import { decodeCsvBytes } from './import-decode.js';
import { type ParseResult, parseCsvUnits, parseJsonUnits, parseTableUnits } from './import-parse.js';
import { looksLikeZip, readXlsxRows, XLSX_TYPE } from './import-xlsx.js';

/**
 * The units an import request carries, by its Content-Type (the route's parsers hand files over as
 * bytes, JSON as parsed):
 * - `application/json`: the JSON list;
 * - `text/csv`, `text/plain`: CSV text in UTF-8 or GB18030/GBK (import-decode.ts), its `charset`
 *   parameter heeded;
 * - `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`: an .xlsx, first sheet;
 * - `application/octet-stream`, and `application/vnd.ms-excel` (what browsers on Windows call a
 *   .csv when Excel is installed): an .xlsx when the bytes are a zip archive, else CSV text; the
 *   legacy binary .xls is refused by name.
 */
export const FILE_TYPES = [
  'text/csv',
  'text/plain',
  XLSX_TYPE,
  'application/octet-stream',
  'application/vnd.ms-excel',
] as const;

export async function unitsOfBody(body: unknown, contentType: string | undefined): Promise<ParseResult> {
  if (!Buffer.isBuffer(body)) return parseJsonUnits(body);
  const { type, charset } = mediaType(contentType);
  if (type === XLSX_TYPE || (!type.startsWith('text/') && looksLikeZip(body))) return unitsOfXlsx(body);
  if (looksLikeZip(body)) {
    return refuse(
      'format',
      `the body is a zip archive (an .xlsx?) sent as ${type}; send an .xlsx as ${XLSX_TYPE}`,
    );
  }
  if (isLegacyXls(body)) {
    return refuse(
      'format',
      'the body is a legacy .xls workbook, which is not read; save it as .xlsx or as "CSV UTF-8"',
    );
  }
  const decoded = decodeCsvBytes(body, charset);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  return parseCsvUnits(decoded.text);
}

async function unitsOfXlsx(bytes: Buffer): Promise<ParseResult> {
  const sheet = await readXlsxRows(bytes);
  if (!sheet.ok) return sheet;
  return parseTableUnits(sheet.rows, 'xlsx');
}

/** The OLE2 compound file signature that starts an .xls (Excel 97–2003). */
function isLegacyXls(bytes: Buffer): boolean {
  const ole = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return bytes.length >= ole.length && ole.every((b, i) => bytes[i] === b);
}

function mediaType(header: string | undefined): { type: string; charset?: string } {
  const [type = '', ...params] = (header ?? '').split(';');
  const charset = params
    .map((p) => p.trim().match(/^charset\s*=\s*"?([^";]+)"?$/i)?.[1])
    .find((c) => c !== undefined);
  return { type: type.trim().toLowerCase(), ...(charset ? { charset } : {}) };
}

function refuse(field: string, message: string): ParseResult {
  return { ok: false, errors: [{ field, message }] };
}
