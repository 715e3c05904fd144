import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { type Actor, canSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';

/**
 * Property companies (物业公司) and their contracts with compounds. A company is registered by an
 * org (a community, subdistrict …: its scope for tokens) and contracted to compounds for date
 * ranges (inclusive, `endsOn` null = open-ended); two contracts of one compound may not overlap.
 */
export interface Company {
  id: number;
  orgId: number;
  name: string;
  createdAt: Date;
  contracts: Contract[];
}

export interface Contract {
  id: number;
  companyId: number;
  compoundId: number;
  compoundName: string;
  startsOn: string;
  endsOn: string | null;
}

interface CompanyRow {
  id: number;
  org_id: number;
  name: string;
  created_at: Date;
}

export class CompanyService {
  constructor(private readonly db: Db) {}

  async create(actor: Actor, body: { orgId: number; name: string }): Promise<Company> {
    await requireOrg(this.db, actor.principal, body.orgId, { field: 'orgId', write: true });
    try {
      const row = await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<CompanyRow>(
          'INSERT INTO linli.property_companies (org_id, name) VALUES ($1, $2) RETURNING *',
          [body.orgId, body.name],
        );
        await recordAudit(tx, actor, {
          action: 'property_company.create',
          objectType: 'property_company',
          objectId: rows[0]!.id,
          orgId: body.orgId,
          after: rows[0],
        });
        return rows[0]!;
      });
      return { ...toCompany(row), contracts: [] };
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('A company of this name is already registered by this org', [
          { field: 'name', message: 'already exists' },
        ]);
      throw err;
    }
  }

  /** Companies registered in the principal's subtree or contracted to a compound in it. */
  async list(p: Principal, f: { orgId?: number }): Promise<{ items: Company[] }> {
    const scope = f.orgId ?? scopeOrgId(p);
    if (f.orgId !== undefined) await requireOrg(this.db, p, f.orgId, { field: 'orgId' });
    const { rows } = await this.db.query<CompanyRow>(
      `SELECT c.* FROM linli.property_companies c JOIN linli.orgs o ON o.id = c.org_id
       WHERE $1::bigint IS NULL OR o.path @> ARRAY[$1::bigint]
          OR EXISTS (SELECT 1 FROM linli.property_contracts k JOIN linli.orgs co ON co.id = k.compound_id
                     WHERE k.company_id = c.id AND co.path @> ARRAY[$1::bigint])
       ORDER BY c.id LIMIT 1000`,
      [scope],
    );
    const contracts = await this.contractsOf(rows.map((r) => r.id));
    return {
      items: rows.map((r) => ({ ...toCompany(r), contracts: contracts.filter((k) => k.companyId === r.id) })),
    };
  }

  async get(p: Principal, id: number): Promise<Company> {
    const { rows } = await this.db.query<CompanyRow>('SELECT * FROM linli.property_companies WHERE id = $1', [
      id,
    ]);
    const row = rows[0];
    if (!row) throw notFound('property company', id);
    const contracts = await this.contractsOf([id]);
    if (!(await this.sees(p, row, contracts))) throw notFound('property company', id);
    return { ...toCompany(row), contracts };
  }

  /** Contracts the company to a compound (the token must write at the compound). */
  async contract(
    actor: Actor,
    companyId: number,
    body: { compoundId: number; startsOn: string; endsOn?: string | null },
  ): Promise<Contract> {
    const company = await this.get(actor.principal, companyId);
    const compound = await requireOrg(this.db, actor.principal, body.compoundId, {
      field: 'compoundId',
      write: true,
    });
    if (compound.kind !== 'compound') {
      throw badRequest('compoundId must name a compound', [
        { field: 'compoundId', message: 'not a compound' },
      ]);
    }
    const endsOn = body.endsOn ?? null;
    if (endsOn !== null && endsOn < body.startsOn)
      throw badRequest('endsOn is before startsOn', [
        { field: 'endsOn', message: 'must not be before startsOn' },
      ]);
    const id = await this.db.transaction(async (tx) => {
      // one contract at a time per compound: concurrent contracts of one compound queue here
      await tx.query('SELECT id FROM linli.orgs WHERE id = $1 FOR UPDATE', [body.compoundId]);
      const { rows: overlap } = await tx.query<{ id: number; company_id: number }>(
        `SELECT id, company_id FROM linli.property_contracts
         WHERE compound_id = $1 AND starts_on <= coalesce($3::date, 'infinity'::date)
           AND coalesce(ends_on, 'infinity'::date) >= $2::date`,
        [body.compoundId, body.startsOn, endsOn],
      );
      if (overlap[0])
        throw conflict(`The compound already has contract ${overlap[0].id} in these dates`, [
          {
            field: 'startsOn',
            message: `overlaps contract ${overlap[0].id} of company ${overlap[0].company_id}`,
          },
        ]);
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO linli.property_contracts (company_id, compound_id, starts_on, ends_on)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [company.id, body.compoundId, body.startsOn, endsOn],
      );
      await recordAudit(tx, actor, {
        action: 'property_company.contract',
        objectType: 'property_company',
        objectId: company.id,
        orgId: body.compoundId,
        after: { contractId: rows[0]!.id, ...body },
      });
      return rows[0]!.id;
    });
    return (await this.contractsOf([company.id])).find((k) => k.id === id)!;
  }

  private async sees(p: Principal, row: CompanyRow, contracts: Contract[]): Promise<boolean> {
    if (p.kind === 'superuser') return true;
    const org = await findOrg(this.db, row.org_id);
    if (org && canSee(p, org.path)) return true;
    for (const k of contracts) {
      const c = await findOrg(this.db, k.compoundId);
      if (c && canSee(p, c.path)) return true;
    }
    return false;
  }

  private async contractsOf(companyIds: number[]): Promise<Contract[]> {
    if (companyIds.length === 0) return [];
    const { rows } = await this.db.query<{
      id: number;
      company_id: number;
      compound_id: number;
      compound_name: string;
      starts_on: string;
      ends_on: string | null;
    }>(
      `SELECT k.id, k.company_id, k.compound_id, o.name AS compound_name,
              to_char(k.starts_on, 'YYYY-MM-DD') AS starts_on, to_char(k.ends_on, 'YYYY-MM-DD') AS ends_on
       FROM linli.property_contracts k JOIN linli.orgs o ON o.id = k.compound_id
       WHERE k.company_id = ANY($1::bigint[]) ORDER BY k.company_id, k.starts_on, k.id`,
      [companyIds],
    );
    return rows.map((r) => ({
      id: r.id,
      companyId: r.company_id,
      compoundId: r.compound_id,
      compoundName: r.compound_name,
      startsOn: r.starts_on,
      endsOn: r.ends_on,
    }));
  }
}

function toCompany(r: CompanyRow): Omit<Company, 'contracts'> {
  return { id: r.id, orgId: r.org_id, name: r.name, createdAt: r.created_at };
}
