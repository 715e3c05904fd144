/**
 * Button payloads (Telegram callback data, WeChat numbered choices) defined once, so the same
 * definition writes a button and reads the press: `cp:<complaint>:<accept|start|resolve>:v<version>`
 * is `callbackData('cp', { id: 'int', action: ['accept', 'start', 'resolve'], version: 'v' })`.
 *
 * Parts, in order, separated by `:`: `'int'` a non-negative integer, `'v'` an integer written `v<n>`
 * (a version), a list of words one of which it must be. The written form never changes for a given
 * definition: buttons already sent in chats keep working after a deploy. Telegram limits callback
 * data to 64 bytes; `write` refuses a longer payload.
 */
type Part = 'int' | 'v' | readonly string[];
type ValueOf<P extends Part> = P extends 'int' | 'v' ? number : P extends readonly (infer W)[] ? W : never;
export type CallbackValues<S extends Record<string, Part>> = { [K in keyof S]: ValueOf<S[K]> };

export interface CallbackData<S extends Record<string, Part>> {
  readonly prefix: string;
  write(values: CallbackValues<S>): string;
  /** the values of a payload of this kind; null for any other payload (or a malformed one) */
  read(payload: string): CallbackValues<S> | null;
}

const MAX_BYTES = 64;

export function callbackData<const S extends Record<string, Part>>(
  prefix: string,
  shape: S,
): CallbackData<S> {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix))
    throw new Error(`callback prefix must be a lowercase word: ${prefix}`);
  const keys = Object.keys(shape) as (keyof S & string)[];
  return {
    prefix,
    write(values) {
      const parts = keys.map((k) => {
        const spec = shape[k]!;
        const v = values[k];
        if (spec === 'int' || spec === 'v') {
          if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
            throw new Error(`${prefix}.${k}: not a whole number: ${String(v)}`);
          return spec === 'v' ? `v${v}` : String(v);
        }
        if (!(spec as readonly string[]).includes(v as string))
          throw new Error(`${prefix}.${k}: ${String(v)}`);
        return String(v);
      });
      const out = [prefix, ...parts].join(':');
      if (Buffer.byteLength(out) > MAX_BYTES)
        throw new Error(`callback data over ${MAX_BYTES} bytes: ${out}`);
      return out;
    },
    read(payload) {
      const [head, ...rest] = payload.split(':');
      if (head !== prefix || rest.length !== keys.length) return null;
      const out: Record<string, unknown> = {};
      for (const [i, k] of keys.entries()) {
        const spec = shape[k]!;
        const raw = rest[i]!;
        if (spec === 'int' || spec === 'v') {
          const m = (spec === 'v' ? /^v(\d{1,15})$/ : /^(\d{1,15})$/).exec(raw);
          if (!m) return null;
          out[k] = Number(m[1]);
        } else if ((spec as readonly string[]).includes(raw)) out[k] = raw;
        else return null;
      }
      return out as CallbackValues<S>;
    },
  };
}
