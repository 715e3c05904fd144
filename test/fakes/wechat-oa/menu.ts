/**
 * menu/create's validation, as WeChat does it: 1–3 top-level buttons, each with 1–5 `sub_button`s
 * (not nested) or an action of its own; names ≤ 16 bytes top-level, ≤ 60 bytes in a submenu (UTF-8);
 * `view` needs an http(s) `url` ≤ 1024 bytes; the key-carrying types need a `key` of 1–128 bytes.
 * The first fault found is the answer; undefined means the menu is accepted.
 */
export interface MenuError {
  errcode: number;
  errmsg: string;
}

const KEY_TYPES = new Set([
  'click',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
]);

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const err = (errcode: number, errmsg: string): MenuError => ({ errcode, errmsg });

export function validateMenu(body: unknown): MenuError | undefined {
  const buttons = (body as { button?: unknown } | null)?.button;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
    return err(40016, 'invalid button size');
  }
  for (const b of buttons as Record<string, unknown>[]) {
    if (typeof b !== 'object' || b === null) return err(40017, 'invalid button type');
    const name = typeof b.name === 'string' ? b.name : '';
    if (name === '' || bytes(name) > 16) return err(40018, 'invalid button name size');
    if (b.sub_button !== undefined) {
      const subs = b.sub_button;
      if (!Array.isArray(subs) || subs.length < 1 || subs.length > 5) {
        return err(40023, 'invalid sub button size');
      }
      for (const s of subs as Record<string, unknown>[]) {
        if (typeof s !== 'object' || s === null) return err(40017, 'invalid button type');
        if (s.sub_button !== undefined) return err(40022, 'invalid sub button level');
        const subName = typeof s.name === 'string' ? s.name : '';
        if (subName === '' || bytes(subName) > 60) return err(40018, 'invalid button name size');
        const bad = validateAction(s);
        if (bad) return bad;
      }
    } else {
      const bad = validateAction(b);
      if (bad) return bad;
    }
  }
  return undefined;
}

function validateAction(b: Record<string, unknown>): MenuError | undefined {
  const type = b.type;
  if (type === 'view') {
    const url = typeof b.url === 'string' ? b.url : '';
    if (url === '' || bytes(url) > 1024) return err(40020, 'invalid button url size');
    if (!/^https?:\/\/[^/\s]+/i.test(url)) return err(40055, 'invalid button url domain');
    return undefined;
  }
  if (typeof type === 'string' && KEY_TYPES.has(type)) {
    const key = typeof b.key === 'string' ? b.key : '';
    if (key === '' || bytes(key) > 128) return err(40019, 'invalid button key size');
    return undefined;
  }
  return err(40017, 'invalid button type');
}
