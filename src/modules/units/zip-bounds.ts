import { inflateRawSync } from 'node:zlib';

/**
 * Checks that a zip archive (an .xlsx) unpacks within bounds before a library unpacks it whole into
 * memory (exceljs reads every entry as one string): at most `maxEntries` entries and `maxBytes`
 * unpacked in all. Each entry is inflated here with zlib's `maxOutputLength`, so a size the
 * archive declares falsely (a zip bomb) cannot get past. Returns what is wrong, or undefined.
 */
export function zipOutOfBounds(
  zip: Buffer,
  limits: { maxEntries: number; maxBytes: number },
): string | undefined {
  const end = findEndOfCentralDirectory(zip);
  if (end < 0) return 'not a zip archive (no central directory)';
  const entries = zip.readUInt16LE(end + 10);
  const dirOffset = zip.readUInt32LE(end + 16);
  if (entries === 0xffff || dirOffset === 0xffffffff)
    return 'a ZIP64 archive, which an .xlsx of a register never needs';
  if (entries > limits.maxEntries) return `the archive has ${entries} entries (at most ${limits.maxEntries})`;
  let left = limits.maxBytes;
  let at = dirOffset;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) return 'a damaged zip central directory';
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) return 'a damaged zip entry';
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    if (data.length !== compressed) return 'a truncated zip entry';
    if (method === 0) left -= compressed;
    else if (method === 8) {
      try {
        left -= inflateRawSync(data, { maxOutputLength: Math.max(1, left) }).length;
      } catch (err) {
        const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
        return tooBig ? `the archive unpacks to more than ${limits.maxBytes} bytes` : 'a damaged zip entry';
      }
    } else return `a zip entry compressed with method ${method} (only stored and deflate are read)`;
    if (left < 0) return `the archive unpacks to more than ${limits.maxBytes} bytes`;
  }
  return undefined;
}

/** The offset of the End Of Central Directory record (it ends the file, after a comment ≤ 64 KiB). */
function findEndOfCentralDirectory(zip: Buffer): number {
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  return -1;
}
