import { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Keyset pagination by id, descending or ascending per list. The cursor is opaque to clients
 * (base64url of the last id seen); `limit` is 1..200, default 50.
 */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
};

export function decodeCursor(cursor: string | undefined): number | null {
  if (!cursor) return null;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n <= 0)
    throw badRequest('Invalid cursor', [{ field: 'cursor', message: 'not a cursor this API returned' }]);
  return n;
}

export function page<T extends { id: number }>(
  rows: T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? Buffer.from(String(last.id)).toString('base64url') : null,
  };
}
