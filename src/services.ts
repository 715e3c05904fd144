import { ChannelState } from './bot/channel-state.js';
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
import { OrgService } from './domain/orgs/org-service.js';
import { PartyNotifier } from './domain/party/party-notifier.js';
import { PartyService } from './domain/party/party-service.js';
import { TaskService } from './domain/party/task-service.js';
import { PeopleService } from './domain/people/people-service.js';
import { TokenService } from './domain/tokens/token-service.js';
import { UnitService } from './domain/units/unit-service.js';
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
  channelState: ChannelState;
  actions: ActionRegistry;
  flows: FlowService;
  complaints: ComplaintService;
  policies: PolicyService;
  complaintMetrics: ComplaintMetricsService;
  open311: Open311Service;
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
  const partyNotifier = opts.outbox ? new PartyNotifier(db, opts.outbox) : null;
  const party = new PartyService(db, partyNotifier);
  const tasks = new TaskService(db, opts.queues ?? null, partyNotifier);
  const actions = builtinActions(complaints, { party, tasks });
  return {
    party,
    tasks,
    actions,
    flows: new FlowService(db, actions),
    complaints,
    policies: new PolicyService(db),
    complaintMetrics: new ComplaintMetricsService(db),
    open311: new Open311Service(db, complaints),
    orgs: new OrgService(db),
    people: new PeopleService(db),
    units: new UnitService(db),
    tokens: new TokenService(db, opts.adminToken),
    audit: new AuditService(db),
    chats: new ChatService(db),
    deliveries: new DeliveryService(db),
    channelState: new ChannelState(db),
  };
}
