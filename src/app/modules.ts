import { ActionRegistry } from '../flows/actions.js';
import { FlowService } from '../flows/flow-service.js';
import type { ConversationLookups } from '../flows/machine.js';
import { AuditService } from '../kernel/access/audit-query.js';
import { ChannelState } from '../kernel/chat/channel-state.js';
import { FailedUpdates } from '../kernel/chat/failed-updates.js';
import type { ChatHandler } from '../kernel/chat/handler.js';
import type { Db } from '../kernel/db/db.js';
import { findCjkFont, type PngRenderer, pngRenderer } from '../kernel/media/png-renderer.js';
import type { MediaFetchers } from '../kernel/media/resolve.js';
import { DeliveryService } from '../kernel/outbox/delivery-service.js';
import type { Outbox } from '../kernel/outbox/outbox.js';
import { type UnreachedHandler, unreachedBySubject } from '../kernel/outbox/reach.js';
import type { QueueBackend } from '../kernel/queue/backend.js';
import { calendarModule } from '../modules/calendar/manifest.js';
import { CalendarService } from '../modules/calendar/service.js';
import { chatsModule } from '../modules/chats/manifest.js';
import { ChatService } from '../modules/chats/service.js';
import { PolicyService } from '../modules/complaints/commands/policy.js';
import { RosterService } from '../modules/complaints/commands/roster.js';
import { ComplaintService } from '../modules/complaints/commands/transitions.js';
import { DigestPush } from '../modules/complaints/digest-push.js';
import { complaintsModule } from '../modules/complaints/manifest.js';
import { ComplaintNotifier } from '../modules/complaints/notifier.js';
import { Open311Service } from '../modules/complaints/open311/service.js';
import { compoundLookups } from '../modules/complaints/option-sources.js';
import { OverdueListPush } from '../modules/complaints/overdue-list.js';
import { DigestService } from '../modules/complaints/queries/digest.js';
import { ComplaintMetricsService } from '../modules/complaints/queries/metrics.js';
import { ComplaintPhotoService } from '../modules/complaints/queries/photos.js';
import { EvaluationService } from '../modules/evaluations/commands/campaigns.js';
import { CompanyService } from '../modules/evaluations/commands/companies.js';
import { evaluationsModule } from '../modules/evaluations/manifest.js';
import { EvaluationNotifier } from '../modules/evaluations/notifier.js';
import { orgsModule } from '../modules/orgs/manifest.js';
import { OrgService } from '../modules/orgs/service.js';
import { PartyService } from '../modules/party/commands/members.js';
import { TaskService } from '../modules/party/commands/tasks.js';
import { partyModule } from '../modules/party/manifest.js';
import { PartyNotifier } from '../modules/party/notifier.js';
import { peopleModule } from '../modules/people/manifest.js';
import { PeopleService } from '../modules/people/service.js';
import { ChatSpeakers } from '../modules/people/speakers.js';
import { ReminderService } from '../modules/reminders/commands/reminders.js';
import { remindersModule } from '../modules/reminders/manifest.js';
import { tokensModule } from '../modules/tokens/manifest.js';
import { TokenService } from '../modules/tokens/service.js';
import { addressLookups } from '../modules/units/address-lookup.js';
import { ClaimNotices } from '../modules/units/claim-notices.js';
import { ClaimService } from '../modules/units/claims.js';
import { LinkCodeService } from '../modules/units/link-codes.js';
import { LinkService } from '../modules/units/linking.js';
import { unitsModule } from '../modules/units/manifest.js';
import { UnitService } from '../modules/units/service.js';
import { VoteService } from '../modules/votes/commands/proposals.js';
import { votesModule } from '../modules/votes/manifest.js';
import { VoteNotifier } from '../modules/votes/notifier.js';
import type { LinliModule } from './manifest.js';

/** The domain services, built once per process over one database. */
/**
 * The modules, in the order the app runs them: routes are registered, chat handlers tried, built-in
 * flows published, workers started (and closed in reverse) in this order. Adding a module: its
 * folder under src/modules/ with a manifest.ts, one line here, its services in createServices
 * below, its migration in src/db/migrations/.
 */
export const MODULES: readonly LinliModule[] = [
  orgsModule,
  peopleModule,
  unitsModule,
  tokensModule,
  calendarModule,
  chatsModule,
  complaintsModule,
  votesModule,
  remindersModule,
  evaluationsModule,
  partyModule,
];

/** Every module's chat handlers in MODULES order: what runs before the flow engine, in production and tests. */
export function chatHandlers(s: Services, db: Db): ChatHandler[] {
  return MODULES.flatMap((m) => m.chat?.(s, db) ?? []);
}

/** Every module's record of messages that reached nobody, as the outbound workers call it. */
export function unreachedHandler(s: Services): UnreachedHandler {
  return unreachedBySubject(Object.assign({}, ...MODULES.map((m) => m.unreached?.(s) ?? {})));
}

export interface Services {
  orgs: OrgService;
  people: PeopleService;
  units: UnitService;
  /** residents' claims on units (登记) and their approval */
  claims: ClaimService;
  /** the committee's per-unit verification codes */
  unitCodes: LinkCodeService;
  /** linking chat accounts to the register's owners (by code, by phone) */
  links: LinkService;
  tokens: TokenService;
  audit: AuditService;
  chats: ChatService;
  /** who wrote a chat message (the dispatcher's Speakers) */
  speakers: ChatSpeakers;
  deliveries: DeliveryService;
  failedUpdates: FailedUpdates;
  channelState: ChannelState;
  actions: ActionRegistry;
  /** what conversations look up in their compound (categories, the address register) */
  lookups: ConversationLookups;
  flows: FlowService;
  complaints: ComplaintService;
  complaintPhotos: ComplaintPhotoService;
  policies: PolicyService;
  rosters: RosterService;
  complaintMetrics: ComplaintMetricsService;
  digests: DigestService;
  digestPush: DigestPush;
  overdueLists: OverdueListPush;
  calendar: CalendarService;
  /** draws charts (the digest's); null where no CJK font is installed */
  chart: PngRenderer | null;
  open311: Open311Service;
  votes: VoteService;
  reminders: ReminderService;
  companies: CompanyService;
  evaluations: EvaluationService;
  party: PartyService;
  tasks: TaskService;
}

/** What conversations look up: complaint categories (complaints), addresses in the register (units). */
export const conversationLookups: ConversationLookups = (q, org, locale) => ({
  ...compoundLookups(org, locale),
  ...addressLookups(q, org, locale),
});

export function createServices(
  db: Db,
  deps: {
    /** where the modules' delayed jobs go (tests: an in-memory one) */
    queues: QueueBackend;
    /** where their messages go (tests: a recording one) */
    outbox: Outbox;
    adminToken?: string;
    /** who reads a kept photo's bytes from its platform (config's mediaFetchersOf) */
    media?: MediaFetchers;
    /** draws the digest's chart (config's chartRendererOf); unset: the first CJK font installed, if any */
    chart?: PngRenderer | null;
  },
): Services {
  const { queues, outbox } = deps;
  const complaints = new ComplaintService(db, queues, new ComplaintNotifier(db, outbox));
  const votes = new VoteService(db, queues, new VoteNotifier(db, outbox));
  const partyNotifier = new PartyNotifier(db, outbox);
  const party = new PartyService(db, partyNotifier);
  const tasks = new TaskService(db, queues, partyNotifier);
  const actions = new ActionRegistry();
  const lookups = conversationLookups;
  const complaintMetrics = new ComplaintMetricsService(db);
  const digests = new DigestService(db, complaintMetrics);
  const chart = deps.chart === undefined ? pngRenderer(findCjkFont()) : deps.chart;
  const services: Services = {
    party,
    tasks,
    actions,
    lookups,
    flows: new FlowService(db, actions, lookups),
    complaints,
    votes,
    complaintPhotos: new ComplaintPhotoService(db, deps.media ?? {}),
    policies: new PolicyService(db),
    rosters: new RosterService(db),
    complaintMetrics,
    digests,
    digestPush: new DigestPush(db, outbox, digests, { chart }),
    overdueLists: new OverdueListPush(db, outbox),
    calendar: new CalendarService(db),
    chart,
    open311: new Open311Service(db, complaints),
    reminders: new ReminderService(db, queues, outbox),
    orgs: new OrgService(db),
    people: new PeopleService(db),
    units: new UnitService(db),
    claims: new ClaimService(db, new ClaimNotices(outbox)),
    unitCodes: new LinkCodeService(db),
    links: new LinkService(db),
    tokens: new TokenService(db, deps.adminToken),
    audit: new AuditService(db),
    chats: new ChatService(db),
    speakers: new ChatSpeakers(db),
    deliveries: new DeliveryService(db),
    failedUpdates: new FailedUpdates(db),
    channelState: new ChannelState(db),
    companies: new CompanyService(db),
    evaluations: new EvaluationService(db, queues, new EvaluationNotifier(db, outbox)),
  };
  // every module's flow actions, over the services just built
  for (const m of MODULES) m.actions?.(services, actions);
  return services;
}
