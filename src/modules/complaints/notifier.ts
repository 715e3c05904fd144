import type { Locale } from '../../flows/flow-schema.js';
import { type OrgChain, orgChain } from '../../kernel/access/org-chain.js';
import { type ChannelName, type Choice, type OutboundMessage, START_HELLO } from '../../kernel/chat/port.js';
import type { Db } from '../../kernel/db/db.js';
import type { Outbox } from '../../kernel/outbox/outbox.js';
import { boundGroups, findChat, residentsGroups } from '../chats/index.js';
import { ratingButton } from './callbacks.js';
import { categoryOn, categoryRoleOn, dispatchModeOn } from './chain-settings.js';
import type { ComplaintRow } from './commands/transitions.js';
import { handlerChoices } from './handler-buttons.js';
import { HANDLER_ROLES, type HandlerRole, levelAbove } from './lifecycle.js';
import { assigneeOf, levelOrgOf } from './repository.js';
import {
  type HandlerAddress,
  handlerPhotos,
  type IdentityAddress,
  identitiesOf,
  latestEvent,
  type NoticeEvent,
  personAddressOf,
  personName,
  preferredRoleHolderAddresses,
  previousLevelOrg,
  roleHolderAddresses,
  sentHandlerNotices,
  servingHolderAddresses,
} from './repository-notices.js';
import { settleNotice } from './repository-owed-notices.js';
import { assignByTurn } from './round-robin.js';
import { complaintTexts, GROUP_LOCALE, type NoticeSubject } from './texts.js';

/**
 * Who hears what when a complaint changes (after COMMIT, through the outbox):
 * - the reporter, on every status change: privately on Telegram, with an @-mention in the group
 *   where it was filed on WeChat (a bot can only write privately to its WeChat friends);
 * - the handlers of the current level, privately, with buttons to accept and resolve, when it
 *   arrives at their level (filed, escalated, appealed, reopened) — urgent when escalated;
 *   the level below is told when it moves up;
 * - the compound's residents' groups, a short public progress notice: category, building,
 *   status — never the reporter.
 * A notice to a person is in their locale (texts.ts), buttons included; a notice to a group is in
 * `GROUP_LOCALE` — so is an anonymous reporter's notice in their group, which must not stand out.
 * Every message has an idempotency key of complaint + version + audience, so a retried job or a
 * repeated trigger never sends twice.
 */
/** The handler roles whose holders serve the orgs below them unless an org's `settings.nearestHolderRoles` says otherwise. */
export const DEFAULT_NEAREST_HOLDER_ROLES = ['grid_worker'];
/** Who handles a category first at the compound unless an org's `settings.categoryRoles` says otherwise. */
export const DEFAULT_FIRST_ROLE: Record<string, string> = {
  repairs: 'property_manager',
  sanitation: 'property_manager',
  lifts: 'property_manager',
  security: 'property_manager',
  greening: 'property_manager',
  parking: 'property_manager',
  fees: 'property_manager',
  noise: 'grid_worker',
  falling_objects: 'grid_worker',
  disputes: 'grid_worker',
};

/** A message in a locale: what a notice says to one recipient. */
type Render = (locale: Locale) => { text: string; choices?: Choice[]; photos?: Photo[] };
/** A photo sent after a notice (`media:<id>` or a platform's file id), with its caption. */
type Photo = { ref: string; caption: string };

/** The event of a complaint's version 1: its filing, as `insertComplaint` writes it (by the reporter, no note). */
const submitted = (c: ComplaintRow): NoticeEvent => ({
  type: 'submitted',
  note: null,
  actor_person_id: c.reporter_id,
  actor_label: null,
  prior_assignee_id: null,
});

export class ComplaintNotifier {
  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Tells everyone concerned about the complaint's latest timeline event (submitted, accept, escalate, …).
   * `chain`: the complaint's org chain (its compound's, city first) as the change read it; read here when not given.
   */
  async changed(c: ComplaintRow, chain?: OrgChain): Promise<void> {
    if (chain) this.chains.set(c, Promise.resolve(chain));
    // a row at version 1 is the complaint as filed: its event is the submission (no note), not
    // whatever the complaint's latest event has become since (its notices are keyed v1)
    const event =
      c.version === 1 && c.status === 'submitted' ? submitted(c) : await latestEvent(this.db, c.id);
    const type = event?.type ?? 'submitted';
    const note = event?.note ?? null;
    const subject = await this.subject(c);
    const key = `complaint-${c.id}-v${c.version}`;
    const toReporter = reporterNotice(c, type, note);
    if (toReporter) await this.toReporter(c, subject, toReporter, `${key}-reporter`);
    if (type === 'resolve') await this.completionPhotos(c, `${key}-reporter`);

    if (['submitted', 'escalate', 'appeal', 'reopen', 'reopened_escalated', 'overdue'].includes(type)) {
      const kind = type === 'overdue' ? 'overdue' : type === 'submitted' ? 'submitted' : 'forwarded';
      const grab = await this.grabbable(c);
      const first = await this.firstRole(c);
      // round_robin: whoever's turn it is among those on duty has it, and only they are told
      const turn = kind === 'overdue' ? null : await this.byTurn(c, first);
      // keyed as the turn's own 'assign' version is, so the reconciler re-sending it after a crash sends it once
      const told =
        turn &&
        (await this.toAssignee(
          turn,
          subject,
          `complaint-${turn.id}-v${turn.version}-assignee`,
          type !== 'submitted',
        ));
      if (turn) await settleNotice(this.db, turn.id, turn.version);
      if (!told) {
        await this.toHandlers(
          c.level_org_id,
          (l) => ({
            text: complaintTexts(l).handlers(subject(l), kind),
            choices: handlerChoices(c, l, grab),
            // the resident's photos with the first notice of each level (not with the overdue reminders)
            photos: residentPhotos(c, l),
          }),
          `${key}-handlers`,
          type !== 'submitted',
          c.org_id,
          first,
          c.id,
        );
      }
      // an escalation (or an appeal, a reopening) reaches the level's officials' WeCom group too
      if (type !== 'submitted')
        await this.toRobots(
          c.level_org_id,
          complaintTexts(GROUP_LOCALE).handlers(subject(GROUP_LOCALE), kind),
          `${key}-robot`,
        );
    }
    if (type === 'escalate' || type === 'reopened_escalated') {
      const below = await this.levelOrgBelow(c);
      if (below) {
        await this.toHandlers(
          below,
          (l) => ({ text: complaintTexts(l).escalatedAway(subject(l)) }),
          `${key}-below`,
          true,
          c.org_id,
          null,
          c.id,
        );
      }
    }
    if (type === 'grab' && c.assignee_id) await this.taken(c, subject, `${key}-taken`);
    if (type === 'transfer' || type === 'return') await this.moved(c, type, event!, subject, key);
    if (type === 'assign') await this.toAssignee(c, subject, `${key}-assignee`, true);
    if (['submitted', 'accept', 'grab', 'resolve', 'close', 'escalate'].includes(type)) {
      await this.toResidents(
        c,
        complaintTexts(GROUP_LOCALE).progress(subject(GROUP_LOCALE), type === 'escalate'),
        `${key}-group`,
      );
    }
  }

  /**
   * 【分派给您】 to the complaint's assignee (an admin's assign, a turn under round_robin), with the
   * handler buttons and the resident's photos; false when nobody has it or they have no identity.
   */
  private async toAssignee(
    c: ComplaintRow,
    subject: (l: Locale) => NoticeSubject,
    key: string,
    urgent: boolean,
  ): Promise<boolean> {
    const to = c.assignee_id ? await personAddressOf(this.db, c.assignee_id) : null;
    if (!to) return false;
    await this.toPeople(
      [to],
      c.level_org_id,
      (l) => ({
        text: complaintTexts(l).assigned(subject(l)),
        choices: handlerChoices(c, l, false),
        photos: residentPhotos(c, l),
      }),
      key,
      urgent,
      c.org_id,
      c.id,
    );
    return true;
  }

  /**
   * 抢单 won: the others who were offered it are told who took it. On Telegram their notice itself
   * becomes 【已接单】… (edited in place, its buttons gone); where a notice cannot be edited (WeChat,
   * a group fallback, one not sent yet) a new message says it.
   */
  private async taken(c: ComplaintRow, subject: (l: Locale) => NoticeSubject, key: string): Promise<void> {
    const taker = await assigneeOf(this.db, c.id);
    const render: Render = (l) => ({ text: complaintTexts(l).grabbed(subject(l), taker?.name ?? '') });
    const others = await this.handlerRows(
      c.level_org_id,
      await this.firstRole(c),
      c.assignee_id ?? undefined,
    );
    const sent = await sentHandlerNotices(this.db, c.id);
    const rest: HandlerAddress[] = [];
    for (const r of others) {
      const notice = r.channel === 'telegram' ? sent.get(Number(r.person_id)) : undefined;
      if (!notice) {
        rest.push(r);
        continue;
      }
      await this.outbox.enqueue({
        channel: 'telegram',
        message: {
          chat: { externalId: notice.chat_external_id, kind: 'private' },
          text: render(r.locale).text,
          editMessageId: notice.external_message_id,
          locale: r.locale,
        },
        idempotencyKey: `${key}-${r.person_id}`,
        orgId: c.org_id,
        personId: r.person_id,
      });
    }
    await this.toPeople(rest, c.level_org_id, render, key, false, c.org_id, c.id);
  }

  /**
   * A transfer or a return: who has it now hears of it with the note (the person it was handed to;
   * else the holders of the role it was handed to, or on a return the level's dispatch — the
   * category's first role — with 抢单 under the mode grab), and who had it before, when someone
   * else moved it, hears that it left them. The one who moved it is told nothing more.
   */
  private async moved(
    c: ComplaintRow,
    type: 'transfer' | 'return',
    event: NoticeEvent,
    subject: (l: Locale) => NoticeSubject,
    key: string,
  ): Promise<void> {
    const by =
      (event.actor_person_id ? await personName(this.db, event.actor_person_id) : null) ??
      event.actor_label ??
      '';
    const actor = event.actor_person_id ?? undefined;
    const grab = await this.grabbable(c);
    const assignee = c.assignee_id ? await personAddressOf(this.db, c.assignee_id) : null;
    if (assignee) {
      await this.toPeople(
        [assignee],
        c.level_org_id,
        (l) => ({
          text: complaintTexts(l).transferred(subject(l), by, event.note, null),
          choices: handlerChoices(c, l, false),
          photos: residentPhotos(c, l),
        }),
        `${key}-assignee`,
        true,
        c.org_id,
        c.id,
      );
    } else {
      const role = c.assigned_role as HandlerRole | null;
      await this.toHandlers(
        c.level_org_id,
        (l) => ({
          text:
            type === 'return'
              ? complaintTexts(l).returned(subject(l), by, event.note)
              : complaintTexts(l).transferred(
                  subject(l),
                  by,
                  event.note,
                  complaintTexts(l).role[role!] ?? role,
                ),
          choices: handlerChoices(c, l, grab),
          photos: residentPhotos(c, l),
        }),
        `${key}-handlers`,
        true,
        c.org_id,
        await this.firstRole(c),
        c.id,
        actor,
      );
    }
    const prior = event.prior_assignee_id;
    if (prior !== null && prior !== event.actor_person_id && prior !== c.assignee_id) {
      const to = await personAddressOf(this.db, prior);
      const toName = c.assignee_id ? await personName(this.db, c.assignee_id) : null;
      if (to)
        await this.toPeople(
          [to],
          c.level_org_id,
          (l) => ({
            text: complaintTexts(l).takenAway(
              subject(l),
              by,
              type === 'return' ? null : (toName ?? complaintTexts(l).role[c.assigned_role as HandlerRole]),
            ),
          }),
          `${key}-prior`,
          false,
          c.org_id,
          c.id,
        );
    }
  }

  /** Another reminder to the handlers of a complaint overdue at the city level (the nth since). */
  async overdueReminder(c: ComplaintRow): Promise<void> {
    const subject = await this.subject(c);
    const days = c.resolve_due_at
      ? Math.max(1, Math.round((Date.now() - c.resolve_due_at.getTime()) / 86_400_000))
      : 1;
    const grab = await this.grabbable(c);
    await this.toHandlers(
      c.level_org_id,
      (l) => ({
        text: complaintTexts(l).overdueReminder(subject(l), days),
        choices: handlerChoices(c, l, grab),
      }),
      `complaint-${c.id}-overdue-${c.overdue_reminders}`,
      true,
      c.org_id,
      null,
      c.id,
    );
    await this.toRobots(
      c.level_org_id,
      complaintTexts(GROUP_LOCALE).overdueReminder(subject(GROUP_LOCALE), days),
      `complaint-${c.id}-overdue-${c.overdue_reminders}-robot`,
    );
  }

  /**
   * A deadline draws near: whoever must act — the assignee, else the level's handlers (the
   * category's first role at the compound) — with the handler buttons, and the next level's
   * handlers as supervisors (none above the city). Keys carry the stage and the deadline itself, so
   * each warning goes once per deadline whatever the complaint's version.
   */
  async warning(c: ComplaintRow, stage: 'ack' | 'resolve', due: Date): Promise<void> {
    const subject = await this.subject(c);
    const key = `complaint-${c.id}-warn-${stage}-${due.getTime()}`;
    const grab = await this.grabbable(c);
    const act: Render = (l) => ({
      text: complaintTexts(l).warning(subject(l), stage, due, false),
      choices: handlerChoices(c, l, grab),
    });
    const assignee = c.assignee_id ? await personAddressOf(this.db, c.assignee_id) : null;
    if (assignee) {
      await this.toPeople([assignee], c.level_org_id, act, `${key}-assignee`, true, c.org_id, c.id);
    } else {
      const first = await this.firstRole(c);
      await this.toHandlers(c.level_org_id, act, `${key}-handlers`, true, c.org_id, first, c.id);
    }
    await this.toRobots(
      c.level_org_id,
      complaintTexts(GROUP_LOCALE).warning(subject(GROUP_LOCALE), stage, due, false),
      `${key}-robot`,
    );
    const above = levelAbove(c.level);
    const supervisors = above ? await levelOrgOf(this.db, c.org_id, above) : null;
    if (supervisors !== null) {
      await this.toRobots(
        supervisors,
        complaintTexts(GROUP_LOCALE).warning(subject(GROUP_LOCALE), stage, due, true),
        `${key}-supervisors-robot`,
      );
      await this.toHandlers(
        supervisors,
        (l) => ({ text: complaintTexts(l).warning(subject(l), stage, due, true) }),
        `${key}-supervisors`,
        false,
        c.org_id,
        null,
        c.id,
      );
    }
  }

  private async toReporter(
    c: ComplaintRow,
    subject: (l: Locale) => NoticeSubject,
    notice: ReporterNotice,
    key: string,
  ) {
    const identity = await this.reporterIdentity(c);
    if (!identity) return;
    const person = { externalId: identity.external_id, displayName: identity.display_name ?? '' };
    const own = notice(subject(identity.locale), identity.locale, true);
    const group = await this.reporterGroup(c, identity.channel);
    await this.outbox.enqueue({
      channel: identity.channel,
      message: {
        chat: { externalId: identity.external_id, kind: 'private' },
        text: own.text,
        choices: own.choices,
        locale: identity.locale,
      },
      fallback: group ? reporterFallback(c, identity, person, group, subject, notice, own) : undefined,
      subject: `complaint:${c.id}:reporter`,
      discreet: c.anonymous,
      idempotencyKey: key,
      orgId: c.org_id,
      personId: c.reporter_id,
    });
  }

  /** Where the reporter is reached: their identity on the channel they filed on, else their first; null without one. */
  private async reporterIdentity(c: ComplaintRow): Promise<IdentityAddress | null> {
    if (!c.reporter_id) return null;
    const rows = await identitiesOf(this.db, c.reporter_id);
    return rows.find((r) => r.channel === c.channel) ?? rows[0] ?? null;
  }

  /**
   * The handlers' photos of the work (补充说明 with a photo, since it was last filed or reopened)
   * follow the 已处理 notice, privately only: never into a group, where an anonymous reporter's
   * would point at them.
   */
  private async completionPhotos(c: ComplaintRow, key: string) {
    if (!c.reporter_id) return;
    const refs = (await handlerPhotos(this.db, c.id)).slice(-MAX_NOTICE_PHOTOS);
    if (refs.length === 0) return;
    const identity = await this.reporterIdentity(c);
    if (!identity) return;
    for (const [i, ref] of refs.entries()) {
      await this.outbox.enqueue({
        channel: identity.channel,
        message: {
          chat: { externalId: identity.external_id, kind: 'private' },
          text: complaintTexts(identity.locale).photo(c.number, 'done', i + 1, refs.length),
          media: { kind: 'photo', ref },
          locale: identity.locale,
        },
        discreet: c.anonymous,
        idempotencyKey: `${key}-photo-${i}`,
        orgId: c.org_id,
        personId: c.reporter_id,
      });
    }
  }

  /**
   * The group where the reporter hears of their complaint when the platform refuses to write to them
   * privately: the bound group they filed it in, else their compound's first residents' group on
   * that channel; none for an anonymous report not filed in a group (nothing may point at them).
   */
  private async reporterGroup(c: ComplaintRow, channel: ChannelName): Promise<ReporterGroup | null> {
    if (c.chat_external_id && c.channel === channel) {
      const filedIn = await findChat(this.db, channel, c.chat_external_id);
      if (filedIn) return { externalId: c.chat_external_id };
    }
    if (c.anonymous) return null;
    const group = (await residentsGroups(this.db, c.org_id)).find((g) => g.channel === channel);
    return group ? { externalId: group.external_chat_id } : null;
  }

  private async toHandlers(
    orgId: number,
    render: Render,
    key: string,
    urgent: boolean,
    scopeOrgId: number,
    /** when the category names a role and someone reachable holds it, only they hear of it */
    firstRole: string | null = null,
    complaintId?: number,
    /** a person of them not to tell (the one whose move it was) */
    except?: number,
  ) {
    const rows = await this.handlerRows(orgId, firstRole, except);
    await this.toPeople(rows, orgId, render, key, urgent, scopeOrgId, complaintId);
  }

  /** Who of an org's handlers hears of a complaint (see toHandlers), without `except`. */
  private async handlerRows(
    orgId: number,
    firstRole: string | null,
    except?: number,
  ): Promise<HandlerAddress[]> {
    let rows = firstRole
      ? await preferredRoleHolderAddresses(this.db, orgId, firstRole, HANDLER_ROLES)
      : await roleHolderAddresses(this.db, orgId, HANDLER_ROLES);
    if (rows.length === 0) rows = await this.nearestAbove(orgId, firstRole);
    return rows.filter((r) => Number(r.person_id) !== except);
  }

  /**
   * Nobody at the org holds a handler role: the nearest holders up its path of the roles that
   * serve the orgs below (`settings.nearestHolderRoles`, default grid_worker) — the category's
   * role first, then any of them.
   */
  private async nearestAbove(orgId: number, firstRole: string | null): Promise<HandlerAddress[]> {
    return servingHolderAddresses(this.db, orgId, firstRole, HANDLER_ROLES, DEFAULT_NEAREST_HOLDER_ROLES);
  }

  /** Tells each of `rows` privately; one the bot may not write to is @-mentioned in `orgId`'s handlers' group. */
  private async toPeople(
    rows: HandlerAddress[],
    orgId: number,
    render: Render,
    key: string,
    urgent: boolean,
    scopeOrgId: number,
    complaintId?: number,
  ) {
    const groups = rows.length ? await boundGroups(this.db, orgId, 'handlers') : [];
    for (const r of rows) {
      const { text, choices, photos } = render(r.locale);
      const group = groups.find((g) => g.channel === r.channel);
      await this.outbox.enqueue({
        channel: r.channel,
        message: {
          chat: { externalId: r.external_id, kind: 'private' },
          text,
          choices: choices?.length ? choices : undefined,
          locale: r.locale,
        },
        fallback: group
          ? {
              chat: { externalId: group.external_chat_id, kind: 'group' },
              text,
              choices: choices?.length ? choices : undefined,
              mention: { externalId: r.external_id, displayName: r.display_name },
              locale: r.locale,
              // Telegram: one tap opens the private chat, so the next notice goes there
              ...(r.channel === 'telegram'
                ? {
                    privateLink: {
                      label: complaintTexts(r.locale).links.openPrivate,
                      payload: START_HELLO,
                      command: '/start',
                    },
                  }
                : {}),
            }
          : undefined,
        ...(complaintId ? { subject: `complaint:${complaintId}:handler` } : {}),
        idempotencyKey: `${key}-${r.person_id}`,
        urgent,
        orgId: scopeOrgId,
        personId: r.person_id,
      });
      // the photos follow the notice, each a message of its own (a refused one goes where the notice went)
      for (const [i, p] of (photos ?? []).entries()) {
        await this.outbox.enqueue({
          channel: r.channel,
          message: {
            chat: { externalId: r.external_id, kind: 'private' },
            text: p.caption,
            media: { kind: 'photo', ref: p.ref },
            locale: r.locale,
          },
          fallback: group
            ? {
                chat: { externalId: group.external_chat_id, kind: 'group' },
                text: p.caption,
                media: { kind: 'photo', ref: p.ref },
                locale: r.locale,
              }
            : undefined,
          idempotencyKey: `${key}-${r.person_id}-photo-${i}`,
          urgent,
          orgId: scopeOrgId,
          personId: r.person_id,
        });
      }
    }
  }

  /**
   * The org's officials' WeCom groups (its `wecom_robot` chats), as a plain text: escalations,
   * warnings, overdue reminders. Urgent: officials act on them whatever the hour.
   */
  private async toRobots(orgId: number, text: string, key: string) {
    for (const g of await boundGroups(this.db, orgId, 'handlers')) {
      if (g.channel !== 'wecom_robot') continue;
      await this.outbox.enqueue({
        channel: 'wecom_robot',
        message: { chat: { externalId: g.external_chat_id, kind: 'group' }, text, locale: GROUP_LOCALE },
        idempotencyKey: `${key}-${g.external_chat_id.slice(0, 8)}`,
        urgent: true,
        orgId,
      });
    }
  }

  private async toResidents(c: ComplaintRow, text: string, key: string) {
    for (const r of await residentsGroups(this.db, c.org_id)) {
      await this.outbox.enqueue({
        channel: r.channel,
        message: { chat: { externalId: r.external_chat_id, kind: 'group' }, text, locale: GROUP_LOCALE },
        idempotencyKey: `${key}-${r.channel}-${r.external_chat_id}`,
        orgId: c.org_id,
      });
    }
  }

  /** Under the dispatch mode round_robin, the complaint assigned to whoever's turn it is (round-robin.ts), else null. */
  private async byTurn(c: ComplaintRow, firstRole: string | null): Promise<ComplaintRow | null> {
    if (c.assignee_id !== null) return null;
    if (dispatchModeOn(await this.chainOf(c), c.category) !== 'round_robin') return null;
    return assignByTurn(this.db, c, firstRole, new Date());
  }

  /**
   * Whether its handlers are offered 抢单 rather than 受理: the category's dispatch mode at the
   * compound is `grab`, nobody has it, and it waits for acknowledgement or was returned to dispatch.
   */
  private async grabbable(c: ComplaintRow): Promise<boolean> {
    // an accepted one nobody has was returned to dispatch (or accepted over the API): it can be taken
    if (c.assignee_id !== null || !['submitted', 'reopened', 'accepted'].includes(c.status)) return false;
    return dispatchModeOn(await this.chainOf(c), c.category) === 'grab';
  }

  /**
   * The role it was transferred to; else the role that handles the complaint's category first at
   * the compound (nearest setting wins); null above the compound, where every handler of the level is told.
   */
  private async firstRole(c: ComplaintRow): Promise<string | null> {
    if (c.assigned_role) return c.assigned_role; // transferred to a role
    if (c.level !== 'compound') return null;
    return categoryRoleOn(await this.chainOf(c), c.category) ?? DEFAULT_FIRST_ROLE[c.category] ?? null;
  }

  /** The complaint as a notice names it, in a locale (the category's label is the org's, or the code). */
  private async subject(c: ComplaintRow): Promise<(l: Locale) => NoticeSubject> {
    const category = categoryOn(await this.chainOf(c), c.category);
    return (l) => ({
      number: c.number,
      category: category ? (l === 'en' ? category.en : category.zh) : c.category,
      building: c.building,
      description: c.description,
      level: c.level,
      status: c.status,
    });
  }

  /**
   * The compound's chain (its settings: dispatch, category roles, categories), read once for all
   * the notices made from one complaint row (`changed` asks it up to four times), never kept longer
   * (unless the change handed its own over).
   */
  private chainOf(c: ComplaintRow): Promise<OrgChain> {
    let chain = this.chains.get(c);
    if (!chain) {
      chain = orgChain(this.db, this.db, c.org_id, null);
      this.chains.set(c, chain);
    }
    return chain;
  }
  private readonly chains = new WeakMap<ComplaintRow, Promise<OrgChain>>();

  private async levelOrgBelow(c: ComplaintRow): Promise<number | null> {
    return previousLevelOrg(this.db, c.id, c.level_org_id);
  }
}

interface ReporterGroup {
  externalId: string;
}

/**
 * The reporter's notice as their group sees it, sent when the platform refuses the private one:
 * - named: an @-mention and the notice as addressed to them; on Telegram a rating is a deep link
 *   into the private chat (a rating is answered privately), on WeChat the numbered choice stays
 *   (only the @-mentioned person's number is taken);
 * - anonymous (only in the group it was filed in): no mention, not addressed ("报事 …", not "您的"),
 *   in the group's locale, so the group sees a number move on and never whose it is.
 */
function reporterFallback(
  c: ComplaintRow,
  identity: IdentityAddress,
  person: { externalId: string; displayName: string },
  group: ReporterGroup,
  subject: (l: Locale) => NoticeSubject,
  notice: ReporterNotice,
  own: { text: string; choices?: Choice[] },
): OutboundMessage {
  const chat = { externalId: group.externalId, kind: 'group' as const };
  const rating = own.choices?.length
    ? identity.channel === 'telegram'
      ? { privateLink: ratingLink(c, identity.locale) }
      : { choices: own.choices }
    : {};
  if (c.anonymous) {
    const hidden = notice(subject(GROUP_LOCALE), GROUP_LOCALE, false);
    const anonymousRating = own.choices?.length
      ? identity.channel === 'telegram'
        ? { privateLink: ratingLink(c, GROUP_LOCALE) }
        : { choices: hidden.choices }
      : {};
    return { chat, text: hidden.text, locale: GROUP_LOCALE, ...anonymousRating };
  }
  return { chat, text: own.text, mention: person, locale: identity.locale, ...rating };
}

/** A rating asked for in a group: a deep link that opens the rating in the private chat (`/start rate-<id>`). */
function ratingLink(c: ComplaintRow, l: Locale) {
  return { label: complaintTexts(l).links.ratePrivately, payload: `rate-${c.id}`, command: '/start' };
}

/** What the reporter hears of an event, in a locale; `addressed` false: said without naming whose it is. */
type ReporterNotice = (
  c: NoticeSubject,
  l: Locale,
  addressed: boolean,
) => { text: string; choices?: Choice[] };

function reporterNotice(c: ComplaintRow, type: string, note: string | null): ReporterNotice | null {
  const t = (l: Locale) => complaintTexts(l).reporter;
  switch (type) {
    case 'accept':
    case 'grab':
      return (s, l, a) => ({ text: t(l).accept(s, a) });
    case 'start':
      return (s, l, a) => ({ text: t(l).start(s, a) });
    case 'resolve':
      return (s, l, a) => ({
        text: t(l).resolve(s, a),
        choices: [
          { label: complaintTexts(l).buttons.rate, payload: ratingButton.write({ complaint: c.id }) },
        ],
      });
    case 'reject':
      return (s, l, a) => ({ text: t(l).reject(s, a, note) });
    case 'escalate':
    case 'reopened_escalated':
      return (s, l, a) => ({ text: t(l).escalate(s, a) });
    case 'close':
      return (s, l, a) => ({ text: t(l).close(s, a) });
    default:
      return null;
  }
}

/** At most this many photos follow a notice (WeChat and Telegram both show them one by one). */
const MAX_NOTICE_PHOTOS = 4;

/** The resident's photos of a complaint, as they follow a handler's notice. */
function residentPhotos(c: ComplaintRow, l: Locale): Photo[] {
  const refs = c.photos.slice(0, MAX_NOTICE_PHOTOS);
  return refs.map((ref, i) => ({
    ref,
    caption: complaintTexts(l).photo(c.number, 'scene', i + 1, refs.length),
  }));
}
