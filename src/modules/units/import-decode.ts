import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import type { ErrorDetail } from '../../kernel/access/errors.js';

/**
 * The text of an uploaded CSV register, or why it cannot be read. The register is the electorate
 * of every Art. 278 vote, so a name is never stored as mojibake: text that does not decode cleanly
 * is refused, never "repaired".
 *
 * Encodings: UTF-8 (with or without BOM) and GB18030, the superset of GBK/GB2312 that Excel on
 * Chinese Windows saves "CSV (逗号分隔)" in. A `charset` the client declares wins; without one,
 * bytes that are valid UTF-8 are UTF-8, else they are decoded as GB18030 and kept only when that
 * decodes every byte. Either way the text must hold no U+FFFD (a character lost before the file
 * reached us, or a byte no decoder took) and no control character but tab and line breaks (a
 * binary file, or UTF-16 read as bytes).
 */
export type DecodeResult = { ok: true; text: string; encoding: Encoding } | { ok: false; error: ErrorDetail };
export type Encoding = 'UTF-8' | 'GB18030';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const GB_CHARSETS = new Set(['gb18030', 'gbk', 'gb2312', 'cp936', 'x-gbk', 'euc-cn', 'windows-936']);
const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);

export function decodeCsvBytes(bytes: Buffer, declaredCharset?: string): DecodeResult {
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    return refuse('the file is UTF-16 (Excel\'s "Unicode text"); save it as "CSV UTF-8" or as .xlsx');
  }
  const charset = declaredCharset?.trim().toLowerCase();
  if (charset && !UTF8_CHARSETS.has(charset) && !GB_CHARSETS.has(charset)) {
    return refuse(`charset "${declaredCharset}" is not supported (send UTF-8 or GB18030/GBK)`);
  }
  if (charset && GB_CHARSETS.has(charset)) return checked(decodeGb18030(bytes), 'GB18030');
  const utf8 = decodeUtf8(bytes);
  if (isUtf8(bytes)) return checked(utf8, 'UTF-8', true);
  if (charset && UTF8_CHARSETS.has(charset)) return checked(utf8, 'UTF-8');
  // Mostly UTF-8 with a few bad bytes (a damaged or spliced file) also decodes as GB18030, into
  // mojibake: many well-formed UTF-8 sequences per bad byte means it is UTF-8, and damaged. GBK
  // text forms well-formed UTF-8 sequences only by chance: in random GBK text at most 3 per bad
  // byte (20,000 samples of 1–200 characters), so 8 leaves a margin.
  if (!utf8.ok && utf8.wellFormed >= 8 * utf8.bad) return checked(utf8, 'UTF-8');
  const gb = decodeGb18030(bytes);
  if (gb.ok) return checked(gb, 'GB18030');
  return refuse(
    `the file is neither UTF-8 (a byte that does not decode at ${where(utf8)}) nor GB18030/GBK ` +
      `(at ${where(gb)}); save it as "CSV UTF-8" or as .xlsx`,
    utf8.ok ? undefined : utf8.row,
  );
}

type Decoded =
  | { ok: true; text: string }
  | { ok: false; row: number; column: number; wellFormed: number; bad: number };
const where = (d: Decoded) => (d.ok ? '' : `row ${d.row}, column ${d.column}`);

function decodeUtf8(bytes: Buffer): Decoded {
  const body = startsWith(bytes, UTF8_BOM) ? bytes.subarray(3) : bytes;
  // non-fatal: the first U+FFFD the decoder put in marks the first bad byte
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(body);
  return badAt(text) ?? { ok: true, text };
}

function decodeGb18030(bytes: Buffer): Decoded {
  const text = iconv.decode(bytes, 'gb18030', { stripBOM: true });
  return badAt(text) ?? { ok: true, text };
}

/** Where the first U+FFFD is: the row (line) and column of the byte that did not decode. */
function badAt(text: string): Decoded | undefined {
  const at = text.indexOf('\ufffd');
  if (at < 0) return undefined;
  let wellFormed = 0;
  let bad = 0;
  for (const ch of text) {
    if (ch === '\ufffd') bad++;
    else if (ch.codePointAt(0)! >= 0x80) wellFormed++;
  }
  return { ok: false, ...position(text, at), wellFormed, bad };
}

/**
 * The decoded text, checked: no U+FFFD (UTF-8 can carry it as a valid character, written by
 * whatever lost the original), no control characters (binary data), and from GB18030 no
 * private-use character (GBK's user-defined areas: a rare name character drawn by one office's
 * font, which nobody else's screen shows as that character).
 */
function checked(d: Decoded, encoding: Encoding, literalReplacement = false): DecodeResult {
  if (!d.ok) {
    // a valid UTF-8 file can carry U+FFFD itself: whatever wrote it had lost a character already
    const what =
      encoding === 'UTF-8' && literalReplacement
        ? 'holds U+FFFD (a character lost before the file was saved)'
        : `has bytes that do not decode as ${encoding}`;
    return refuse(`the file ${what} at ${where(d)}`, d.row);
  }
  const text = d.text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (control) {
    const { row, column } = position(text, control.index);
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return refuse(
      `the file holds the control character U+${code} at row ${row}, column ${column}: it is not a ${encoding} text file`,
      row,
    );
  }
  if (encoding === 'GB18030') {
    const pua = /[\ue000-\uf8ff]/.exec(text);
    if (pua) {
      const { row, column } = position(text, pua.index);
      return refuse(
        `row ${row}, column ${column} holds a user-defined GBK character (U+${pua[0].charCodeAt(0).toString(16).toUpperCase()}), ` +
          'which shows as that character only with one font; type the standard character and save as "CSV UTF-8"',
        row,
      );
    }
  }
  return { ok: true, text, encoding };
}

/** 1-based line and comma-separated column of `index` (quoted commas or line breaks aside). */
function position(text: string, index: number): { row: number; column: number } {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  const row = before.split('\n').length;
  const column = before.slice(lineStart).split(',').length;
  return { row, column };
}

function startsWith(bytes: Buffer, prefix: ArrayLike<number>): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function refuse(message: string, row?: number): DecodeResult {
  return { ok: false, error: { ...(row ? { row } : {}), field: 'encoding', message } };
}
