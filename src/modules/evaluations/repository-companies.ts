import type { Queryable } from '../../kernel/db/db.js';

/**
 * The SQL of property companies and their contracts with compounds (the rest of the module's SQL
 * is in `repository.ts`). Each function runs on the `Queryable` it is given.
 */
export interface CompanyRow {
  id: number;
  org_id: number;
  name: string;
  created_at: Date;
}

export interface ContractRow {
  id: number;
  company_id: number;
  compound_id: number;
  compound_name: string;
  starts_on: string;
  ends_on: string | null;
}

export async function insertCompany(tx: Queryable, orgId: number, name: string): Promise<CompanyRow> {
  const { rows } = await tx.query<CompanyRow>(
    'INSERT INTO linli.property_companies (org_id, name) VALUES ($1, $2) RETURNING *',
    [orgId, name],
  );
  return rows[0]!;
}

export async function findCompany(q: Queryable, id: number): Promise<CompanyRow | undefined> {
  const { rows } = await q.query<CompanyRow>('SELECT * FROM linli.property_companies WHERE id = $1', [id]);
  return rows[0];
}

/** Companies registered in org `scope`'s subtree or contracted to a compound in it (null: all). */
export async function companiesIn(q: Queryable, scope: number | null): Promise<CompanyRow[]> {
  const { rows } = await q.query<CompanyRow>(
    `SELECT c.* FROM linli.property_companies c JOIN linli.orgs o ON o.id = c.org_id
     WHERE $1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]
        OR EXISTS (SELECT 1 FROM linli.property_contracts k JOIN linli.orgs co ON co.id = k.compound_id
                   WHERE k.company_id = c.id AND co.path @> ARRAY[$1::bigint])
     ORDER BY c.id LIMIT 1000`,
    [scope],
  );
  return rows;
}

/** Locks the compound's org row: concurrent contracts of one compound queue here. */
export async function lockCompound(tx: Queryable, compoundId: number): Promise<void> {
  await tx.query('SELECT id FROM linli.orgs WHERE id = $1 FOR UPDATE', [compoundId]);
}

/** A contract of the compound overlapping the dates (`endsOn` null: open-ended), if any. */
export async function overlappingContract(
  tx: Queryable,
  compoundId: number,
  startsOn: string,
  endsOn: string | null,
): Promise<{ id: number; company_id: number } | undefined> {
  const { rows } = await tx.query<{ id: number; company_id: number }>(
    `SELECT id, company_id FROM linli.property_contracts
     WHERE compound_id = $1 AND starts_on <= coalesce($3::date, 'infinity'::date)
       AND coalesce(ends_on, 'infinity'::date) >= $2::date`,
    [compoundId, startsOn, endsOn],
  );
  return rows[0];
}

export async function insertContract(
  tx: Queryable,
  k: { companyId: number; compoundId: number; startsOn: string; endsOn: string | null },
): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO linli.property_contracts (company_id, compound_id, starts_on, ends_on)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [k.companyId, k.compoundId, k.startsOn, k.endsOn],
  );
  return rows[0]!.id;
}

/** The contracts of the companies, by company, start date and id (dates as `YYYY-MM-DD`). */
export async function contractsOf(q: Queryable, companyIds: number[]): Promise<ContractRow[]> {
  const { rows } = await q.query<ContractRow>(
    `SELECT k.id, k.company_id, k.compound_id, o.name AS compound_name,
            to_char(k.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(k.ends_on, 'YYYY-MM-DD') AS ends_on
     FROM linli.property_contracts k JOIN linli.orgs o ON o.id = k.compound_id
     WHERE k.company_id = ANY($1::bigint[]) ORDER BY k.company_id, k.starts_on, k.id`,
    [companyIds],
  );
  return rows;
}
