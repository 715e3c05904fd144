/**
 * What a photo's bytes are, by their first bytes (never by a name or a header a sender chose):
 * JPEG, PNG, GIF or WebP; anything else is not kept as a photo.
 */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/** The largest photo Linli keeps or forwards (WeChat's own image limit is about this size). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export function sniffImage(b: Uint8Array): ImageType | null {
  const at = (i: number, ...xs: number[]) => xs.every((x, k) => b[i + k] === x);
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  return null;
}

/** Bytes as a photo Linli keeps or forwards: an image by its first bytes, at most MAX_PHOTO_BYTES; else null. */
export function asPhoto<B extends Uint8Array>(bytes: B): { bytes: B; contentType: ImageType } | null {
  const contentType = sniffImage(bytes);
  return contentType && bytes.length <= MAX_PHOTO_BYTES ? { bytes, contentType } : null;
}

/** A file name for bytes of a type (platforms want one). */
export function photoFileName(type: string, stem = 'photo'): string {
  const ext =
    { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' }[type] ?? 'bin';
  return `${stem}.${ext}`;
}
