import type { Locale } from '../../flows/flow-schema.js';
import type { Queryable } from '../../kernel/db/db.js';
import { HANDLER_ROLES, type HandlerRole } from './lifecycle.js';
import { DEFAULT_NEAREST_HOLDER_ROLES } from './notifier.js';
import { findComplaint } from './repository.js';
import { transferCandidates } from './repository-dispatch.js';
import { nearestHolderRoles } from './repository-settings.js';
import { complaintTexts } from './texts.js';

/**
 * Whom a handler can hand a complaint to from chat, as a numbered list: the people its notices
 * reach (the handlers at its level, the nearest serving holders above; the presser left out), then
 * the handler roles they hold. The list is read again when the answer is taken, in the same order, so a number
 * names what the presser saw unless the roles changed meanwhile.
 */
export type TransferTarget =
  | { kind: 'person'; personId: number; name: string; label: string }
  | { kind: 'role'; role: HandlerRole; label: string };

/** At most this many people are listed (the roles follow them). */
const MAX_PEOPLE = 15;

export async function transferTargets(
  q: Queryable,
  complaintId: number,
  presserId: number | null,
  locale: Locale,
): Promise<TransferTarget[]> {
  const t = complaintTexts(locale);
  const c = await findComplaint(q, complaintId);
  if (!c) return [];
  const levelOrg = c.level_org_id;
  const serving = (await nearestHolderRoles(q, levelOrg)) ?? DEFAULT_NEAREST_HOLDER_ROLES;
  const all = await transferCandidates(q, complaintId, HANDLER_ROLES, serving, presserId);
  const people = all.slice(0, MAX_PEOPLE);
  // a role is offered when someone other than the presser holds it there
  const held = new Set(all.map((p) => p.role));
  const roles: TransferTarget[] = HANDLER_ROLES.filter((r) => held.has(r)).map((role) => ({
    kind: 'role',
    role,
    label: t.transfer.anyOf(t.role[role]),
  }));
  return [
    ...people.map(
      (p): TransferTarget => ({
        kind: 'person',
        personId: p.person_id,
        name: p.name,
        label: `${p.name} · ${t.role[p.role as HandlerRole] ?? p.role}`,
      }),
    ),
    ...roles,
  ];
}

/** The list as a prompt shows it: `1. 张三 · 物业经理` per line. */
export function targetList(targets: TransferTarget[]): string {
  return targets.map((x, i) => `${i + 1}. ${x.label}`).join('\n');
}

/** What an answer names: its number in the list, else a person's name or a line's label exactly. */
export function pickTarget(targets: TransferTarget[], answer: string): TransferTarget | null {
  const a = answer.trim().replace(/[。．.]$/, '');
  if (/^\d{1,3}$/.test(a)) return targets[Number(a) - 1] ?? null;
  const byName = targets.filter((x) => (x.kind === 'person' ? x.name === a : false) || x.label === a);
  return byName.length === 1 ? byName[0]! : null;
}
