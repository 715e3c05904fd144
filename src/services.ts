import { ChannelState } from './bot/channel-state.js';
import { FailedUpdates } from './bot/failed-updates.js';
import { DeliveryService } from './bot/outbound/delivery-service.js';
import type { Outbox } from './bot/outbound/outbox.js';
import type { Db } from './db/db.js';
import { AuditService } from './domain/audit/audit-service.js';
import { ChatService } from './domain/chats/chat-service.js';
import { ComplaintMetricsService } from './domain/complaints/complaint-metrics.js';
import { ComplaintNotifier } from './domain/complaints/complaint-notifier.js';
import { ComplaintService } from './domain/complaints/complaint-service.js';
import { Open311Service } from './domain/complaints/open311-service.js';
import { PolicyService } from './domain/complaints/policy-service.js';
import { CompanyService } from './domain/evaluations/company-service.js';
import { EvaluationNotifier } from './domain/evaluations/evaluation-notifier.js';
import { EvaluationService } from './domain/evaluations/evaluation-service.js';
import { OrgService } from './domain/orgs/org-service.js';
import { PartyNotifier } from './domain/party/party-notifier.js';
import { PartyService } from './domain/party/party-service.js';
import { TaskService } from './domain/party/task-service.js';
import { PeopleService } from './domain/people/people-service.js';
import { ReminderService } from './domain/reminders/reminder-service.js';
import { TokenService } from './domain/tokens/token-service.js';
import { UnitService } from './domain/units/unit-service.js';
import { VoteNotifier } from './domain/votes/vote-notifier.js';
import { VoteService } from './domain/votes/vote-service.js';
import type { ActionRegistry } from './flows/actions.js';
import { builtinActions } from './flows/builtin-actions.js';
import { FlowService } from './flows/flow-service.js';
import type { QueueBackend } from './queue/backend.js';

/** The domain services, built once per process over one database. */
export interface Services {
  orgs: OrgService;
  people: PeopleService;
  units: UnitService;
  tokens: TokenService;
  audit: AuditService;
  chats: ChatService;
  deliveries: DeliveryService;
  failedUpdates: FailedUpdates;
  channelState: ChannelState;
  actions: ActionRegistry;
  flows: FlowService;
  complaints: ComplaintService;
  policies: PolicyService;
  complaintMetrics: ComplaintMetricsService;
  open311: Open311Service;
  votes: VoteService;
  reminders: ReminderService;
  companies: CompanyService;
  evaluations: EvaluationService;
  party: PartyService;
  tasks: TaskService;
}

export function createServices(
  db: Db,
  opts: { adminToken?: string; queues?: QueueBackend; outbox?: Outbox },
): Services {
  const complaints = new ComplaintService(
    db,
    opts.queues ?? null,
    undefined,
    opts.outbox ? new ComplaintNotifier(db, opts.outbox) : null,
  );
  const votes = new VoteService(db, opts.queues ?? null);
  if (opts.outbox) votes.notifier = new VoteNotifier(db, opts.outbox);
  const partyNotifier = opts.outbox ? new PartyNotifier(db, opts.outbox) : null;
  const party = new PartyService(db, partyNotifier);
  const tasks = new TaskService(db, opts.queues ?? null, partyNotifier);
  const actions = builtinActions(complaints, votes, { party, tasks });
  return {
    party,
    tasks,
    actions,
    flows: new FlowService(db, actions),
    complaints,
    votes,
    policies: new PolicyService(db),
    complaintMetrics: new ComplaintMetricsService(db),
    open311: new Open311Service(db, complaints),
    reminders: new ReminderService(db, opts.queues ?? null, opts.outbox ?? null),
    orgs: new OrgService(db),
    people: new PeopleService(db),
    units: new UnitService(db),
    tokens: new TokenService(db, opts.adminToken),
    audit: new AuditService(db),
    chats: new ChatService(db),
    deliveries: new DeliveryService(db),
    failedUpdates: new FailedUpdates(db),
    channelState: new ChannelState(db),
    companies: new CompanyService(db),
    evaluations: new EvaluationService(
      db,
      opts.queues ?? null,
      opts.outbox ? new EvaluationNotifier(db, opts.outbox) : null,
    ),
  };
}
