import { ApiError } from '../api/client';

/** An API error's details by the form field they name (`options.1` → `options`; `body.title` → `title`). */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError)) return out;
  for (const d of err.body?.error.details ?? []) {
    if (!d.field) continue;
    const parts = d.field.split('.');
    const key = parts[0] === 'body' && parts.length > 1 ? parts[1]! : parts[0]!;
    out[key] = out[key] ? `${out[key]}; ${d.message}` : `${d.field}: ${d.message}`;
  }
  return out;
}

export function describe(err: unknown): string {
  return err instanceof ApiError ? err.describe() : String(err);
}
