/**
 * Addresses as residents type them: 「3栋2单元501」「3号楼2单元501室」「3#2-501」「3-2-501」「3幢501」
 * 「三栋二单元五零一」「B座1203」「阳光小区 3 栋 2 单元 501」, full-width digits and all. Pure: no I/O.
 *
 * Every spelling comes down to one canonical key — building (number or letters), unit (number, or
 * null when none was named) and room — which is what a typed address and an owner-register entry
 * (whose stored names may be spelt '3号楼', '二单元', …) are compared by. The units module matches
 * keys against the register; this file knows no register.
 */
export interface AddressKey {
  /** '3', 'B', 'A2': the building's number or letters, no suffix, no leading zeros */
  building: string;
  /** '2'; null when the address names no unit (3幢501) */
  unit: string | null;
  /** '501', '1203', '501A' */
  room: string;
}

const CN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** 一→1, 十一→11, 二十三→23, 一百零一→101, 五零一→501 (digit by digit without 十/百); null if not a numeral. */
export function chineseNumeral(s: string): number | null {
  if (!/^[零〇一二两三四五六七八九十百千]+$/.test(s)) return null;
  if (!/[十百千]/.test(s)) return Number([...s].map((c) => CN_DIGITS[c]).join(''));
  let total = 0;
  let digit = 0;
  for (const c of s) {
    if (c in CN_DIGITS) {
      digit = CN_DIGITS[c]!;
      continue;
    }
    const unit = c === '十' ? 10 : c === '百' ? 100 : 1000;
    total += (digit === 0 && unit === 10 ? 1 : digit) * unit;
    digit = 0;
  }
  return total + digit;
}

/** Full-width ASCII to half-width, dashes to '-', spaces dropped, Chinese numerals to digits, letters upper-cased. */
function prepare(raw: string): string {
  return raw
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000]+/g, '')
    .replace(/[‐‑‒–—―－~～_]/g, '-')
    .replace(/[零〇一二两三四五六七八九十百千]+/g, (m) => String(chineseNumeral(m) ?? m))
    .toUpperCase();
}

const stripZeros = (s: string) => s.replace(/^0+(?=[0-9A-Z])/, '');

// building: 3, 03, B, A2, 12B; then its word (号楼 before 号 and 楼)
const BUILDING = '([0-9]+[A-Z]?|[A-Z][0-9]?)';
const B_SUFFIX = '(?:栋楼|号楼|号栋|栋|幢|座|楼|号|#)';
const UNIT = '([0-9]+)';
const U_SUFFIX = '(?:单元|门|-)';
const ROOM = '([0-9]{2,5}[A-Z]?)';
const R_SUFFIX = '(?:室|号|房|户)?';
const SEP = '[-/.、,，]?';

// the compound's name may come first: any text ending before the building (lazy, so the
// building is the last number that still lets the rest match)
const WITH_WORDS = new RegExp(
  `^(?:.*?[^0-9A-Z])??${BUILDING}${B_SUFFIX}${SEP}(?:${UNIT}${U_SUFFIX}${SEP})?${ROOM}${R_SUFFIX}$`,
);
// 3-2-501, 3/2/501, 3.2.501 (building, unit, room) and 3-501 (building, room)
const DASHED = new RegExp(`^(?:.*?[^0-9A-Z])??${BUILDING}[-/.](?:${UNIT}[-/.])?${ROOM}${R_SUFFIX}$`);

/** The canonical key of an address as a person wrote it, or null when it names no building and room. */
export function normaliseAddress(raw: string): AddressKey | null {
  const s = prepare(raw);
  if (s.length === 0 || s.length > 60) return null;
  const m = WITH_WORDS.exec(s) ?? DASHED.exec(s);
  if (!m) return null;
  return { building: stripZeros(m[1]!), unit: m[2] ? stripZeros(m[2]) : null, room: stripZeros(m[3]!) };
}

/**
 * A register's building name as a key part: '3栋', '3号楼', '三号楼', 'B座', '阳光小区3栋' → '3', '3', '3',
 * 'B', '3'; a name with no number or letter in it ('综合楼') stays itself.
 */
export function buildingKey(name: string): string {
  const s = prepare(name);
  const m = new RegExp(`^(?:.*?[^0-9A-Z])??${BUILDING}${B_SUFFIX}?$`).exec(s);
  return m ? stripZeros(m[1]!) : s;
}

/** A register's unit as a key part: '2单元', '二单元', '2', '02门' → '2'; null when it holds no number ('-', '无'). */
export function unitKey(unitNo: string): string | null {
  const s = prepare(unitNo);
  const m = /([0-9]+[A-Z]?|[A-Z])/.exec(s);
  return m ? stripZeros(m[1]!) : null;
}

/** A register's room as a key part: '501', '501室', '0501' → '501'. */
export function roomKey(room: string): string {
  const s = prepare(room).replace(/(?:室|号|房|户)$/, '');
  return stripZeros(s);
}

/** The key written as residents read it: 3栋2单元501, B座1203, 3栋501. */
export function addressText(k: AddressKey): string {
  return `${buildingText(k.building)}${k.unit ? `${k.unit}单元` : ''}${k.room}`;
}

/** A building key as residents name it: 3栋, B座 (lettered buildings are 座); a named one ('综合楼') as it is. */
export function buildingText(building: string): string {
  if (/^[A-Z]+[0-9]?$/.test(building)) return `${building}座`;
  return /^[0-9]+[A-Z]?$/.test(building) ? `${building}栋` : building;
}

/** Levenshtein distance of two short strings. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * How far a register entry is from what was typed: 0 is the same address (a missing unit fits any
 * unit); each differing part costs its edit distance, at least 1.
 */
export function addressDistance(typed: AddressKey, entry: AddressKey): number {
  const part = (a: string, b: string) => (a === b ? 0 : Math.max(1, editDistance(a, b)));
  const unit = typed.unit === null || entry.unit === null ? 0 : part(typed.unit, entry.unit);
  return part(typed.building, entry.building) + unit + part(typed.room, entry.room);
}

/**
 * Whether a register entry is close enough to offer for what was typed: one part differs (another
 * unit of the building, the same room in another building, a mistyped room), by at most two edits.
 */
export function isNearAddress(typed: AddressKey, entry: AddressKey): boolean {
  const differing =
    Number(typed.building !== entry.building) +
    Number(typed.unit !== null && entry.unit !== null && typed.unit !== entry.unit) +
    Number(typed.room !== entry.room);
  return differing <= 1 && addressDistance(typed, entry) <= 2;
}
