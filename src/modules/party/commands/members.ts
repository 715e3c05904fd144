import type { Locale } from '../../../flows/flow-schema.js';
import { recordAudit } from '../../../kernel/access/audit.js';
import { AppError, notFound } from '../../../kernel/access/errors.js';
import { type Actor, assertCanWrite, type Principal } from '../../../kernel/access/principal.js';
import type { Db, Queryable } from '../../../kernel/db/db.js';
import { insertRole } from '../../people/index.js';
import { memberDecisionButton } from '../callbacks.js';
import { COMMITMENT_CODES, STANDARD_COMMITMENTS } from '../commitments.js';
import type { PartyDeps } from '../deps.js';
import { januaryCheckin } from '../january-checkin.js';
import type { PartyNotifier, Staged } from '../notifier.js';
import {
  getBranch,
  getMember,
  listBranches,
  listMembers,
  listPairings,
  memberFor,
} from '../queries/members.js';
import { serviceRecord, serviceRecordsCsv } from '../queries/records.js';
import {
  branchAndCompoundNames,
  isPartySecretaryOfMember,
  lockMember,
  lockRegistration,
  type MemberRow,
  nearestRoleHolders,
  renamePerson,
  setMemberDecision,
  upsertPendingMember,
} from '../repository/members.js';
import { partyTexts } from '../texts.js';
import { createBranch, deleteBranch, updateBranch } from './branches.js';
import { addPairing, removePairing } from './pairings.js';

export { yearBounds } from '../queries/records.js';
/**
 * Party branches of workplaces, members reporting to their compound (报到) with their
 * commitments, approval by the compound's party secretary, pairing with households, the service
 * record and its CSV for the yearly review, and the January check-in on commitments.
 *
 * Scope: a branch belongs to the org that registered it; a member to the compound they report to.
 * A token sees what lies in its subtree; anything else is 404.
 *
 * `PartyService` is the façade the app, the worker, chat, flows and HTTP call: registration and
 * its approval live here; branches and pairings in branches.ts and pairings.ts; the reads in
 * ../queries/members.ts and ../queries/records.ts; the check-in in ../january-checkin.ts; the
 * SQL in ../repository/.
 */
export type { BranchRow } from '../repository/branches.js';
export type { MemberRow } from '../repository/members.js';

export class PartyService {
  private readonly deps: PartyDeps;

  constructor(db: Db, notifier: PartyNotifier, now: () => Date = () => new Date()) {
    this.deps = { db, notifier, now };
  }

  /** Sends messages staged in a transaction (after its COMMIT). */
  async flush(staged: (Staged | null)[]): Promise<void> {
    await this.deps.notifier.flush(staged);
  }

  // ---------------------------------------------------------------------------------------------
  // branches (branches.ts; reads in ../queries/members.ts)

  async createBranch(actor: Actor, body: { orgId: number; name: string; secretaryPersonId?: number | null }) {
    return createBranch(this.deps, actor, body);
  }

  async getBranch(p: Principal, id: number) {
    return getBranch(this.deps.db, p, id);
  }

  async listBranches(p: Principal, f: { orgId?: number }) {
    return listBranches(this.deps.db, p, f);
  }

  async updateBranch(actor: Actor, id: number, body: { name?: string; secretaryPersonId?: number | null }) {
    return updateBranch(this.deps, actor, id, body);
  }

  async deleteBranch(actor: Actor, id: number) {
    return deleteBranch(this.deps, actor, id);
  }

  // ---------------------------------------------------------------------------------------------
  // members

  /**
   * 报到 from the registration flow (in the conversation's transaction): a pending member, or the
   * same row again when a pending or rejected registration is repeated. The compound's party
   * secretaries get the approve/reject buttons (staged here, sent after COMMIT).
   */
  async register(
    tx: Queryable,
    r: {
      personId: number;
      name: string;
      branchId: number;
      compoundId: number;
      commitments: string[];
      own: string[];
    },
  ): Promise<{ member: MemberRow; already: boolean; staged: (Staged | null)[] }> {
    const { notifier } = this.deps;
    const commitments = r.commitments.includes('all')
      ? [...COMMITMENT_CODES]
      : COMMITMENT_CODES.filter((c) => r.commitments.includes(c));
    const existing = await lockRegistration(tx, r.personId, r.compoundId);
    if (existing?.status === 'approved') return { member: existing, already: true, staged: [] };
    const member = await upsertPendingMember(tx, { ...r, commitments });
    await renamePerson(tx, r.personId, r.name);
    const staged: (Staged | null)[] = [];
    const names = await branchAndCompoundNames(tx, r.branchId, r.compoundId);
    const registration = {
      name: r.name,
      branch: names?.branch ?? '',
      compound: names?.compound ?? '',
      commitments,
      own: r.own,
    };
    for (const secretary of await nearestRoleHolders(tx, r.compoundId, 'party_secretary')) {
      staged.push(
        await notifier.stage(
          tx,
          secretary,
          (l) => partyTexts(l).registration(registration),
          `party-member-${member.id}-${member.updated_at.getTime()}-secretary-${secretary}`,
          {
            orgId: r.compoundId,
            choices: (l) => [
              {
                label: partyTexts(l).buttons.approve,
                payload: memberDecisionButton.write({ member: member.id, decision: 'approve' }),
              },
              {
                label: partyTexts(l).buttons.reject,
                payload: memberDecisionButton.write({ member: member.id, decision: 'reject' }),
              },
            ],
          },
        ),
      );
    }
    return { member, already: false, staged };
  }

  async getMember(p: Principal, id: number) {
    return getMember(this.deps.db, p, id);
  }

  async listMembers(
    p: Principal,
    f: { orgId?: number; status?: string; branchId?: number; limit?: number; cursor?: string },
  ) {
    return listMembers(this.deps.db, p, f);
  }

  /** Approve or reject a pending registration; 409 when it was decided already. */
  async decide(
    tx: Queryable,
    id: number,
    decision: 'approve' | 'reject',
    by: { personId: number | null; label: string; reason?: string | null },
  ): Promise<{ member: MemberRow; staged: (Staged | null)[] }> {
    const { notifier } = this.deps;
    const m = await lockMember(tx, id);
    if (!m) throw notFound('party member', id);
    if (m.status !== 'pending')
      throw new AppError(409, 'already_decided', `This registration is already ${m.status}`, [
        { field: 'status', message: m.status },
      ]);
    const status = decision === 'approve' ? 'approved' : 'rejected';
    const updated = await setMemberDecision(tx, id, {
      status,
      approvedBy: decision === 'approve' ? by.personId : null,
      decidedBy: by.label,
      decidedAt: this.deps.now(),
      reason: by.reason ?? null,
    });
    if (status === 'approved') await insertRole(tx, m.person_id, m.compound_id, 'party_member');
    const text = (l: Locale) =>
      status === 'approved' ? partyTexts(l).approved : partyTexts(l).rejected(by.reason ?? null);
    const staged = [
      await notifier.stage(tx, m.person_id, text, `party-member-${id}-${status}`, { orgId: m.compound_id }),
    ];
    return { member: updated, staged };
  }

  async decideOverHttp(actor: Actor, id: number, decision: 'approve' | 'reject', reason?: string) {
    const m = await memberFor(this.deps.db, actor.principal, id);
    assertCanWrite(actor.principal, m.path.map(Number), 'party member', id);
    const { staged } = await this.deps.db.transaction(async (tx) => {
      const r = await this.decide(tx, id, decision, { personId: null, label: actor.principal.label, reason });
      await recordAudit(tx, actor, {
        action: `party_member.${decision}`,
        objectType: 'party_member',
        objectId: id,
        orgId: m.compound_id,
        before: { status: m.status },
        after: { status: r.member.status, reason: reason ?? null },
      });
      return r;
    });
    await this.deps.notifier.flush(staged);
    return this.getMember(actor.principal, id);
  }

  /** Whether a person is a party secretary of the member's compound (there or above it). */
  async isSecretaryFor(q: Queryable, personId: number, memberId: number): Promise<boolean> {
    return isPartySecretaryOfMember(q, personId, memberId);
  }

  // ---------------------------------------------------------------------------------------------
  // pairings (结对): pairings.ts

  async listPairings(p: Principal, memberId: number) {
    return listPairings(this.deps.db, p, memberId);
  }

  async addPairing(actor: Actor, memberId: number, unitId: number) {
    return addPairing(this.deps, actor, memberId, unitId);
  }

  async removePairing(actor: Actor, memberId: number, unitId: number) {
    return removePairing(this.deps, actor, memberId, unitId);
  }

  // ---------------------------------------------------------------------------------------------
  // service record (全程纪实) and the yearly review: ../queries/records.ts

  /**
   * What a member did in a year (China time): tasks completed with the hours they reported on
   * completion, commitments, households paired. Without a year: everything so far.
   */
  async serviceRecord(p: Principal, memberId: number, year?: number) {
    return serviceRecord(this.deps.db, p, memberId, year);
  }

  /** The yearly review as CSV (UTF-8 with BOM, CRLF): one row per member reporting in the subtree. */
  async serviceRecordsCsv(p: Principal, orgId: number, year: number): Promise<string> {
    return serviceRecordsCsv(this.deps.db, p, orgId, year);
  }

  // ---------------------------------------------------------------------------------------------
  // the January check-in: ../january-checkin.ts

  /**
   * Sends every approved member their commitments and last year's record, asking them to report
   * (once per member and year: idempotency keys), then records the year as done. A crash in the
   * middle is finished by the next run without sending anything twice.
   */
  async januaryCheckin(year: number): Promise<{ sent: number; already: boolean }> {
    return januaryCheckin(this.deps, year);
  }

  /** Standard commitments, for API clients and flows. */
  static commitments() {
    return STANDARD_COMMITMENTS.map((c) => ({ code: c.code, zh: c['zh-CN'], en: c.en }));
  }
}
