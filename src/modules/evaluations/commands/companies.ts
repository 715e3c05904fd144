import { recordAudit } from '../../../kernel/access/audit.js';
import { badRequest, conflict, isUniqueViolation, notFound } from '../../../kernel/access/errors.js';
import { requireOrg } from '../../../kernel/access/in-scope.js';
import { type Actor, canSee, type Principal, scopeOrgId } from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { findOrg } from '../../orgs/index.js';
import {
  type CompanyRow,
  companiesIn,
  contractsOf,
  findCompany,
  insertCompany,
  insertContract,
  lockCompound,
  overlappingContract,
} from '../repository-companies.js';

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

export class CompanyService {
  constructor(private readonly db: Db) {}

  async create(actor: Actor, body: { orgId: number; name: string }): Promise<Company> {
    await requireOrg(this.db, actor.principal, body.orgId, { field: 'orgId', write: true });
    try {
      const row = await this.db.transaction(async (tx) => {
        const row = await insertCompany(tx, body.orgId, body.name);
        await recordAudit(tx, actor, {
          action: 'property_company.create',
          objectType: 'property_company',
          objectId: row.id,
          orgId: body.orgId,
          after: row,
        });
        return row;
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
    const rows = await companiesIn(this.db, scope);
    const contracts = await this.contractsOfCompanies(rows.map((r) => r.id));
    return {
      items: rows.map((r) => ({ ...toCompany(r), contracts: contracts.filter((k) => k.companyId === r.id) })),
    };
  }

  async get(p: Principal, id: number): Promise<Company> {
    const row = await findCompany(this.db, id);
    if (!row) throw notFound('property company', id);
    const contracts = await this.contractsOfCompanies([id]);
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
      await lockCompound(tx, body.compoundId);
      const overlap = await overlappingContract(tx, body.compoundId, body.startsOn, endsOn);
      if (overlap)
        throw conflict(`The compound already has contract ${overlap.id} in these dates`, [
          {
            field: 'startsOn',
            message: `overlaps contract ${overlap.id} of company ${overlap.company_id}`,
          },
        ]);
      const contractId = await insertContract(tx, {
        companyId: company.id,
        compoundId: body.compoundId,
        startsOn: body.startsOn,
        endsOn,
      });
      await recordAudit(tx, actor, {
        action: 'property_company.contract',
        objectType: 'property_company',
        objectId: company.id,
        orgId: body.compoundId,
        after: { contractId, ...body },
      });
      return contractId;
    });
    return (await this.contractsOfCompanies([company.id])).find((k) => k.id === id)!;
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

  private async contractsOfCompanies(companyIds: number[]): Promise<Contract[]> {
    if (companyIds.length === 0) return [];
    const rows = await contractsOf(this.db, companyIds);
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
