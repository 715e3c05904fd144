import { type AddressKey, addressDistance, isNearAddress } from '../../flows/address.js';
import { type Location, locationKey, locationOf, locationText } from '../../flows/answers.js';
import { engineTexts } from '../../flows/engine-texts.js';
import type { Locale } from '../../flows/flow-schema.js';
import type { LocationCheck } from '../../flows/machine.js';
import type { Queryable } from '../../kernel/db/db.js';

/**
 * Typed addresses against a compound's owner register, compared by canonical key (src/flows/address.ts)
 * so that 「3号楼二单元501室」 finds the entry stored as building '3栋', unit '2单元', room '501' — or
 * the other way round.
 */
export interface RegisterEntry {
  id: number;
  /** as stored: the building org's name, the unit's unit_no and room */
  building: string;
  unit: string;
  room: string;
  key: AddressKey;
}

/** At most this many entries are offered instead of a typed address. */
export const MAX_SUGGESTIONS = 5;

/** Every unit of the compound's register with its key. */
export async function registerEntries(q: Queryable, compoundId: number): Promise<RegisterEntry[]> {
  const { rows } = await q.query<{ id: number; building: string; unit: string; room: string }>(
    `SELECT u.id, b.name AS building, u.unit_no AS unit, u.room FROM linli.units u
       JOIN linli.orgs b ON b.id = u.building_id WHERE u.compound_id = $1 ORDER BY u.id`,
    [compoundId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), key: locationKey(r) }));
}

export type AddressMatch =
  | { kind: 'exact'; entry: RegisterEntry }
  /** the typed address fits several entries (no unit named, or the register spells one address twice) */
  | { kind: 'several'; entries: RegisterEntry[] }
  /** no entry fits: the closest ones (maybe none) */
  | { kind: 'none'; entries: RegisterEntry[] };

const byText = (a: RegisterEntry, b: RegisterEntry) =>
  a.key.building.localeCompare(b.key.building, 'en', { numeric: true }) ||
  (a.key.unit ?? '').localeCompare(b.key.unit ?? '', 'en', { numeric: true }) ||
  a.key.room.localeCompare(b.key.room, 'en', { numeric: true });

/** The entry a typed key is, or the entries to offer instead (closest first, at most MAX_SUGGESTIONS). */
export function matchAddress(entries: RegisterEntry[], typed: AddressKey): AddressMatch {
  const scored = entries.map((e) => ({ e, d: addressDistance(typed, e.key) }));
  const fits = scored.filter((s) => s.d === 0).map((s) => s.e);
  if (fits.length === 1) return { kind: 'exact', entry: fits[0]! };
  if (fits.length > 1) return { kind: 'several', entries: fits.sort(byText).slice(0, MAX_SUGGESTIONS) };
  const close = scored
    .filter((s) => isNearAddress(typed, s.e.key))
    .sort((a, b) => a.d - b.d || byText(a.e, b.e))
    .slice(0, MAX_SUGGESTIONS);
  return { kind: 'none', entries: close.map((s) => s.e) };
}

/** An entry as a conversation keeps it: the canonical spelling, with the entry's id. */
export const entryLocation = (e: RegisterEntry): Location => ({ ...locationOf(e.key), unitId: e.id });

/** A typed location against the compound's register, for a conversation's location step. */
export async function checkAddress(
  q: Queryable,
  compoundId: number,
  loc: Location,
  locale: Locale,
): Promise<LocationCheck> {
  const entries = await registerEntries(q, compoundId);
  if (entries.length === 0) return { ok: true, location: loc };
  const r = engineTexts(locale).reasons;
  const match = matchAddress(entries, locationKey(loc));
  if (match.kind === 'exact') return { ok: true, location: entryLocation(match.entry) };
  const typed = locationText(loc);
  const suggestions = match.entries.map(entryLocation);
  if (match.kind === 'several') return { ok: false, reason: r.severalLocations(typed), suggestions };
  return {
    ok: false,
    reason: suggestions.length > 0 ? r.suggestLocation(typed) : r.unknownLocation,
    suggestions,
  };
}

/**
 * The register entry a claim names: the chosen entry's id when the conversation carries one (it
 * must be of this compound), else the one entry the address exactly is; null when there is none.
 */
export async function unitForClaim(
  q: Queryable,
  compoundId: number,
  loc: Location,
): Promise<RegisterEntry | null> {
  const entries = await registerEntries(q, compoundId);
  if (loc.unitId !== undefined) return entries.find((e) => e.id === loc.unitId) ?? null;
  const match = matchAddress(entries, locationKey(loc));
  return match.kind === 'exact' ? match.entry : null;
}
