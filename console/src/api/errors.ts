import { locale } from '../i18n';
import { ZH_CODES, zhField, zhMessage } from '../i18n/errors';
import { ApiError } from './client';

/** A field path as a form names it: the API's `body.` (or `query.`/`params.`) prefix dropped. */
export function formField(field: string): string {
  return field.replace(/^(body|query|params)(\.|$)/, '');
}

/**
 * An error in the page's language. In English: the API's own words with its details. In Chinese:
 * the meaning of its code and each detail translated where its wording is known (the server's
 * words where not); an unknown code gets the server's message as it is.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (locale.value === 'en') return err.describe();
  const code = err.code ? ZH_CODES[err.code] : undefined;
  if (!code) return err.describe();
  const details = err.body?.error.details ?? [];
  const parts = details.map((d) => {
    const field = d.field ? formField(d.field) : '';
    const where = [d.row !== undefined ? `第 ${d.row} 行` : '', field ? zhField(field) : '']
      .filter(Boolean)
      .join(' ');
    const what = zhMessage(d.message) ?? d.message;
    return where ? `${where}：${what}` : what;
  });
  if (!parts.length && err.body) parts.push(zhMessage(err.message) ?? err.message);
  return parts.length ? `${code}：${parts.join('；')}` : code;
}

/** One detail's message in the page's language (the server's words where no translation is known). */
export function detailText(message: string): string {
  return locale.value === 'en' ? message : (zhMessage(message) ?? message);
}

/** An error's headline without its details (shown apart): the code's meaning in Chinese, else the server's message. */
export function errorHeadline(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (locale.value === 'en') return err.message;
  return (err.code ? ZH_CODES[err.code] : undefined) ?? err.message;
}

/**
 * An API error's details by the form field they name (in the page's language), for a form to show
 * at its fields: under the whole path (`levels.compound.*.ack`) and under its first part
 * (`levels`, `options` for `options.1`: there with the rest of the path) for a form with one item
 * per top-level field.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError)) return out;
  const add = (key: string, text: string) => {
    out[key] = out[key] ? `${out[key]}; ${text}` : text;
  };
  for (const d of err.body?.error.details ?? []) {
    if (!d.field) continue;
    const path = formField(d.field);
    if (!path) continue;
    const text = detailText(d.message);
    add(path, text);
    const top = path.split('.')[0]!;
    if (top !== path) add(top, `${path}: ${text}`);
  }
  return out;
}
