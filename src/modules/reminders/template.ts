import { badRequest } from '../../kernel/access/errors.js';
import { wallOf } from '../../kernel/time/zone.js';

/**
 * Reminder text templates: `{name}` is replaced at each occurrence; `{{` and `}}` are literal braces.
 * Variables: {date} {time} {weekday} {year} {month} {day} (of the occurrence, in the schedule's
 * zone) and {org} (the reminder's org name). zh-CN formats by default (2026年3月2日, 星期一), en on request.
 */
export const TEMPLATE_VARIABLES = ['date', 'time', 'weekday', 'year', 'month', 'day', 'org'] as const;
export type Locale = 'zh-CN' | 'en';

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;
const WEEKDAY_ZH = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const WEEKDAY_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** 400 naming `text` for an unknown or malformed variable. */
export function checkTemplate(text: string): void {
  for (const m of text.matchAll(TOKEN)) {
    if (m[0] === '{{' || m[0] === '}}') continue;
    const name = m[1]!.trim();
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw badRequest(`Unknown template variable {${name}}`, [
        {
          field: 'text',
          message: `unknown variable {${name}}; known: ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(' ')}`,
        },
      ]);
    }
  }
  const rest = text.replace(TOKEN, '');
  if (/[{}]/.test(rest)) {
    throw badRequest('Unbalanced brace in the text', [
      { field: 'text', message: 'a lone { or }: write {{ or }} for a literal brace' },
    ]);
  }
}

export function renderTemplate(
  text: string,
  vars: { at: Date; timeZone: string; org: string; locale: Locale },
): string {
  const w = wallOf(vars.at, vars.timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const values: Record<string, string> = {
    date:
      vars.locale === 'en' ? `${w.year}-${pad(w.month)}-${pad(w.day)}` : `${w.year}年${w.month}月${w.day}日`,
    time: `${pad(w.hour)}:${pad(w.minute)}`,
    weekday: (vars.locale === 'en' ? WEEKDAY_EN : WEEKDAY_ZH)[w.weekday]!,
    year: String(w.year),
    month: String(w.month),
    day: String(w.day),
    org: vars.org,
  };
  return text.replace(TOKEN, (whole, name: string | undefined) =>
    whole === '{{' ? '{' : whole === '}}' ? '}' : (values[name!.trim()] ?? whole),
  );
}
