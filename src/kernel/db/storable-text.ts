/**
 * Text PostgreSQL cannot store: U+0000 (text and jsonb refuse it: `invalid byte sequence for
 * encoding "UTF8": 0x00`, `unsupported Unicode escape sequence`) and UTF-16 surrogates not in a
 * pair (jsonb refuses `\ud800`; text columns would silently get U+FFFD from the driver's UTF-8
 * encoder). The one definition of both, used at every edge where outside text comes in:
 * - the HTTP API refuses such input with a 400 naming the field (src/http/storable-input.ts);
 * - chat updates are cleaned instead (residents cannot be asked to resend), with `storableText` /
 *   `storableDeep` in the Telegram and WeChat translators.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what this removes
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when PostgreSQL can store `s` as it is. */
export function isStorable(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** `s` without U+0000 and with every lone surrogate replaced by U+FFFD (as UTF-8 decoders do). */
export function storableText(s: string): string {
  return isStorable(s) ? s : s.replace(NUL, '').replace(LONE_SURROGATE, '\ufffd');
}

/**
 * A copy of `value` with `storableText` applied to every string and object key inside its objects
 * and arrays (JSON-like data: objects are copied as plain ones; Dates, Maps, Sets and buffers are
 * kept as they are). `value` itself is returned when it needs no cleaning.
 */
export function storableDeep<T>(value: T): T {
  if (findUnstorable(value) === undefined) return value;
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[storableText(k)] = clean(v);
    return out;
  }
  return value;
}

export interface UnstorableAt {
  /** the path below the root: `['name', 'en']`, `['steps', 3]`; `[]` for the root itself */
  path: (string | number)[];
  /** whether the offending text is a key of the object at `path` (else the string at `path`) */
  inKey: boolean;
}

/**
 * Where the first unstorable string or key in `value` is (depth first), or undefined. Iterative,
 * so a deeply nested body (JSON allows thousands of levels) cannot overflow the stack.
 */
export function findUnstorable(value: unknown): UnstorableAt | undefined {
  type Frame = { value: unknown; key: string | number | null; parent: Frame | null };
  const pathOf = (f: Frame): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let at: Frame | null = f; at?.key != null; at = at.parent) path.push(at.key);
    return path.reverse();
  };
  const stack: Frame[] = [{ value, key: null, parent: null }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      if (!isStorable(v)) return { path: pathOf(f), inKey: false };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: f });
    } else if (isRecord(v)) {
      const entries = Object.entries(v);
      if (entries.some(([k]) => !isStorable(k))) return { path: pathOf(f), inKey: true };
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        stack.push({ value: child, key: k, parent: f });
      }
    }
  }
  return undefined;
}

/**
 * An object holding data by key: what JSON, query-string and form parsers make (fast-querystring's
 * objects have a prototype of their own without Object.prototype, so no prototype test fits).
 */
function isRecord(v: unknown): v is Record<string, unknown> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof Map) &&
    !(v instanceof Set) &&
    !ArrayBuffer.isView(v)
  );
}
