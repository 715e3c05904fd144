import { ApiError, type ApiErrorBody, api, currentToken, must } from '../api/client';
import type { Org, Schemas } from '../api/types';

export type Unit = Schemas['Unit'];
export type UnitCode = Schemas['UnitCode'];
export type ImportResult = Schemas['UnitImportResult'];
export type RowError = ApiErrorBody['error']['details'][number];

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The Content-Type a dropped file is sent as: the import reads CSV and .xlsx by it (and sniffs the rest). */
export function fileType(file: File): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.xlsx')) return XLSX_TYPE;
  if (name.endsWith('.csv') || name.endsWith('.txt')) return 'text/csv';
  return 'application/octet-stream';
}

/**
 * The file imported into the compound, or only checked (`dryRun`: the import run and rolled back,
 * answering what it would do, or the 400 listing every bad row, with nothing written).
 */
export function importFile(compoundId: number, file: File, dryRun: boolean): Promise<ImportResult> {
  return must(
    api.POST('/api/v1/orgs/{id}/units', {
      params: { path: { id: compoundId }, query: { dryRun: dryRun ? 'true' : 'false' } },
      // the file's bytes as they are: the API decides their encoding (UTF-8 or GBK) and format
      body: file as never,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { 'content-type': fileType(file) },
    }),
  );
}

/** The row errors of a refused import (400 with details), or null when the error is of another kind. */
export function rowErrors(err: unknown): RowError[] | null {
  if (!(err instanceof ApiError) || err.status !== 400) return null;
  const details = err.body?.error.details ?? [];
  return details.length ? details : null;
}

/** Every page of a compound's buildings. */
export async function buildingsOf(compoundId: number): Promise<Org[]> {
  const out: Org[] = [];
  let cursor: string | undefined;
  do {
    const page = await must(
      api.GET('/api/v1/orgs', {
        params: { query: { parentId: compoundId, kind: 'building', limit: 200, cursor } },
      }),
    );
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Saves the compound's active codes as the API's mail-merge CSV (fetched with the token). */
export async function downloadCodesCsv(compoundId: number): Promise<void> {
  const token = currentToken();
  const r = await fetch(`/api/v1/orgs/${compoundId}/unit-codes.csv`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!r.ok) {
    const body = (await r.json().catch(() => null)) as ApiErrorBody | null;
    throw new ApiError(r.status, body);
  }
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `unit-codes-${compoundId}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const collator = new Intl.Collator('zh-CN', { numeric: true });
/** Units in address order: building, unit, room, numbers by value (2栋 before 10栋). */
export function byAddress(a: Unit, b: Unit): number {
  return (
    collator.compare(a.building, b.building) ||
    collator.compare(a.unit, b.unit) ||
    collator.compare(a.room, b.room)
  );
}
