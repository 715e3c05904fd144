"""The move map of plan 13, as data: old path -> new path (primary destination).

`python3 movemap.py` writes move-map.tsv, splits.tsv and new-files.tsv next to this file, and
fails if a file under /work/main/src or /work/main/test (not node_modules) has no entry.

A file whose content goes to several places is mapped to its primary destination here; the other
destinations are in SPLITS (and splits.tsv). Files that do not exist yet (module manifests, ports)
are in NEW_FILES (new-files.tsv).
"""

import os
import sys

ROOT = __import__('os').path.abspath(__import__('os').path.join(__import__('os').path.dirname(__file__), '..', '..'))
HERE = os.path.dirname(os.path.abspath(__file__))

K = 'src/kernel'
M = 'src/modules'

MOVES: dict[str, str] = {
    # ---- entry and composition -------------------------------------------------------------
    'src/main.ts': 'src/main.ts',
    'src/config.ts': 'src/app/config.ts',
    'src/logger.ts': 'src/app/logger.ts',
    'src/runtime.ts': 'src/app/runtime.ts',
    'src/services.ts': 'src/app/modules.ts',
    # ---- kernel/db -----------------------------------------------------------------------
    'src/db/batcher.ts': f'{K}/db/batcher.ts',
    'src/db/connect.ts': f'{K}/db/connect.ts',
    'src/db/data-dir-lock.ts': f'{K}/db/data-dir-lock.ts',
    'src/db/db.ts': f'{K}/db/db.ts',
    'src/db/migrate.ts': f'{K}/db/migrate.ts',  # MIGRATIONS_DIR becomes ../../db/migrations/
    'src/db/pglite-pool.ts': f'{K}/db/pglite-pool.ts',
    # migrations stay central and ordered
    **{f'src/db/migrations/{n}': f'src/db/migrations/{n}' for n in [
        '001_foundation.sql', '002_chats.sql', '003_deliveries.sql', '004_flows.sql',
        '005_complaints.sql', '006_votes.sql', '007_reminders.sql', '008_party.sql',
        '009_evaluations.sql', '010_complaint_deadlines.sql', '011_conversation_turns_in_place.sql',
        '012_deliveries_queued_by_id.sql', '013_failed_updates.sql']},
    # ---- kernel/queue, kernel/moments ------------------------------------------------------
    'src/queue/backend.ts': f'{K}/queue/backend.ts',
    'src/queue/names.ts': f'{K}/queue/names.ts',  # keeps jobId + kernel queues; module queues move out
    'src/queue/workers/reconcile-loop.ts': f'{K}/moments/reconcile-loop.ts',
    'src/queue/workers/maintenance.worker.ts': f'{K}/queue/maintenance.ts',
    'src/queue/workers/deadline.worker.ts': f'{M}/complaints/moments.ts',
    'src/queue/workers/evaluation.worker.ts': f'{M}/evaluations/moments.ts',
    'src/queue/workers/vote.worker.ts': f'{M}/votes/moments.ts',
    'src/queue/workers/reminder.worker.ts': f'{M}/reminders/moments.ts',
    'src/queue/workers/party.worker.ts': f'{M}/party/moments.ts',
    'src/queue/workers/flow-timeout.worker.ts': 'src/flows/timeouts.ts',
    # ---- kernel/chat (port, dispatcher, marks, dead letters) -----------------------------------
    'src/bot/port.ts': f'{K}/chat/port.ts',
    'src/bot/inbound-dispatcher.ts': f'{K}/chat/dispatcher.ts',
    'src/bot/handling-failure.ts': f'{K}/chat/handling-failure.ts',
    'src/bot/update-marks.ts': f'{K}/chat/update-marks.ts',
    'src/bot/failed-updates.ts': f'{K}/chat/failed-updates.ts',
    'src/bot/texts.ts': f'{K}/chat/texts.ts',  # the bind texts go to modules/chats/texts.ts
    # ---- kernel/outbox -----------------------------------------------------------------------
    'src/bot/outbound/outbox.ts': f'{K}/outbox/outbox.ts',
    'src/bot/outbound/delivery-repository.ts': f'{K}/outbox/delivery-repository.ts',
    'src/bot/outbound/delivery-service.ts': f'{K}/outbox/delivery-service.ts',
    'src/bot/outbound/outbound.worker.ts': f'{K}/outbox/sender.ts',
    'src/bot/outbound/pacing.ts': f'{K}/outbox/pacing.ts',
    'src/bot/outbound/quiet-hours.ts': f'{K}/outbox/quiet-hours.ts',
    # ---- channels ----------------------------------------------------------------------------
    'src/bot/channels.ts': 'src/app/channels.ts',  # role-dependent composition of the channels
    'src/bot/channel-state.ts': f'{K}/chat/channel-state.ts',  # per-channel facts: login, bot info, and the sender's pause
    'src/bot/pending-choices.ts': 'src/channels/wechat/pending-choices.ts',
    **{f'src/bot/telegram/{n}': f'src/channels/telegram/{n}' for n in [
        'chat-queue.ts', 'errors.ts', 'normalize.ts', 'outbound.ts', 'polling.ts',
        'telegram-adapter.ts', 'webhook.ts']},
    **{f'src/bot/wechat/{n}': f'src/channels/wechat/{n}' for n in [
        'chat-queue.ts', 'choice-memory.ts', 'inbound.ts', 'index.ts', 'login-status.ts',
        'outbound.ts', 'wechat-adapter.ts', 'wechaty-factory.ts']},
    # ---- kernel/access -----------------------------------------------------------------------
    'src/domain/errors.ts': f'{K}/access/errors.ts',
    'src/domain/principal.ts': f'{K}/access/principal.ts',
    'src/domain/pagination.ts': f'{K}/access/pagination.ts',
    'src/domain/audit/audit-repository.ts': f'{K}/access/audit.ts',
    'src/domain/audit/audit-service.ts': f'{K}/access/audit-query.ts',
    # ---- kernel/time -------------------------------------------------------------------------
    'src/domain/reminders/zoned-time.ts': f'{K}/time/zone.ts',
    'src/domain/complaints/deadline-calendar.ts': f'{K}/time/china-calendar.ts',
    'src/domain/complaints/iso-duration.ts': f'{K}/time/iso-duration.ts',
    # ---- modules/orgs ------------------------------------------------------------------------
    'src/domain/orgs/org-repository.ts': f'{M}/orgs/repository.ts',
    'src/domain/orgs/org-schema.ts': f'{M}/orgs/schema.ts',
    'src/domain/orgs/org-service.ts': f'{M}/orgs/service.ts',
    'src/http/routes/orgs.ts': f'{M}/orgs/http.ts',
    # ---- modules/people ----------------------------------------------------------------------
    'src/domain/people/people-repository.ts': f'{M}/people/repository.ts',
    'src/domain/people/people-schema.ts': f'{M}/people/schema.ts',
    'src/domain/people/people-service.ts': f'{M}/people/service.ts',
    'src/http/routes/people.ts': f'{M}/people/http.ts',
    # ---- modules/units -----------------------------------------------------------------------
    'src/domain/units/unit-schema.ts': f'{M}/units/schema.ts',
    'src/domain/units/unit-service.ts': f'{M}/units/service.ts',
    'src/domain/units/unit-import-parse.ts': f'{M}/units/import-parse.ts',
    'src/http/routes/units.ts': f'{M}/units/http.ts',
    'src/flows/builtin/registration-flow.ts': f'{M}/units/flows/registration-flow.ts',
    # ---- modules/tokens ----------------------------------------------------------------------
    'src/domain/tokens/token-service.ts': f'{M}/tokens/service.ts',
    'src/http/routes/tokens.ts': f'{M}/tokens/http.ts',
    # ---- modules/chats -----------------------------------------------------------------------
    'src/domain/chats/chat-schema.ts': f'{M}/chats/schema.ts',
    'src/domain/chats/chat-service.ts': f'{M}/chats/service.ts',
    'src/domain/chats/chat-addresses.ts': f'{M}/chats/addresses.ts',
    'src/http/routes/chats.ts': f'{M}/chats/http.ts',
    # ---- modules/complaints ------------------------------------------------------------------
    'src/domain/complaints/bulk-escalation.ts': f'{M}/complaints/commands/bulk-escalation.ts',
    'src/domain/complaints/categories.ts': f'{M}/complaints/categories.ts',
    'src/domain/complaints/complaint-chat-actions.ts': f'{M}/complaints/chat.ts',
    'src/domain/complaints/complaint-lifecycle.ts': f'{M}/complaints/lifecycle.ts',
    'src/domain/complaints/complaint-metrics.ts': f'{M}/complaints/queries/metrics.ts',
    'src/domain/complaints/complaint-notifier.ts': f'{M}/complaints/notifier.ts',
    'src/domain/complaints/complaint-repository.ts': f'{M}/complaints/repository.ts',
    'src/domain/complaints/complaint-service.ts': f'{M}/complaints/commands/transitions.ts',
    'src/domain/complaints/escalation-policy.ts': f'{M}/complaints/escalation-policy.ts',
    'src/domain/complaints/open311-service.ts': f'{M}/complaints/open311/service.ts',
    'src/domain/complaints/policy-service.ts': f'{M}/complaints/commands/policy.ts',
    'src/http/routes/complaints.ts': f'{M}/complaints/http.ts',
    'src/http/routes/metrics.ts': f'{M}/complaints/http-metrics.ts',
    'src/http/routes/open311.ts': f'{M}/complaints/open311/http.ts',
    'src/flows/builtin/complaint-flow.ts': f'{M}/complaints/flows/complaint-flow.ts',
    'src/flows/builtin/handler-note-flow.ts': f'{M}/complaints/flows/handler-note-flow.ts',
    'src/flows/builtin/rating-flow.ts': f'{M}/complaints/flows/rating-flow.ts',
    'src/flows/builtin-actions.ts': f'{M}/complaints/actions.ts',
    'src/flows/compound-lookups.ts': f'{M}/complaints/option-sources.ts',
    # ---- modules/votes -----------------------------------------------------------------------
    'src/domain/votes/ballot-log.ts': f'{M}/votes/ballot-log.ts',
    'src/domain/votes/counting.ts': f'{M}/votes/counting.ts',
    'src/domain/votes/vote-actions.ts': f'{M}/votes/actions.ts',
    'src/domain/votes/vote-chat-actions.ts': f'{M}/votes/chat.ts',
    'src/domain/votes/vote-notifier.ts': f'{M}/votes/notifier.ts',
    'src/domain/votes/vote-service.ts': f'{M}/votes/commands/proposals.ts',
    'src/domain/votes/vote-texts.ts': f'{M}/votes/texts.ts',
    'src/http/routes/proposals.ts': f'{M}/votes/http.ts',
    'src/flows/builtin/vote-flow.ts': f'{M}/votes/flows/vote-flow.ts',
    # ---- modules/reminders -------------------------------------------------------------------
    'src/domain/reminders/reminder-chat-actions.ts': f'{M}/reminders/chat.ts',
    'src/domain/reminders/reminder-service.ts': f'{M}/reminders/commands/reminders.ts',
    'src/domain/reminders/schedule.ts': f'{M}/reminders/schedule.ts',
    'src/domain/reminders/template.ts': f'{M}/reminders/template.ts',
    'src/http/routes/reminders.ts': f'{M}/reminders/http.ts',
    # ---- modules/evaluations -----------------------------------------------------------------
    'src/domain/evaluations/company-service.ts': f'{M}/evaluations/commands/companies.ts',
    'src/domain/evaluations/criteria.ts': f'{M}/evaluations/criteria.ts',
    'src/domain/evaluations/evaluation-actions.ts': f'{M}/evaluations/actions.ts',
    'src/domain/evaluations/evaluation-notifier.ts': f'{M}/evaluations/notifier.ts',
    'src/domain/evaluations/evaluation-service.ts': f'{M}/evaluations/commands/campaigns.ts',
    'src/domain/evaluations/scoring.ts': f'{M}/evaluations/scoring.ts',
    'src/http/routes/evaluations.ts': f'{M}/evaluations/http.ts',
    'src/flows/builtin/evaluation-flow.ts': f'{M}/evaluations/flows/evaluation-flow.ts',
    # ---- modules/party -----------------------------------------------------------------------
    'src/domain/party/commitments.ts': f'{M}/party/commitments.ts',
    'src/domain/party/party-actions.ts': f'{M}/party/actions.ts',
    'src/domain/party/party-chat-actions.ts': f'{M}/party/chat.ts',
    'src/domain/party/party-notifier.ts': f'{M}/party/notifier.ts',
    'src/domain/party/party-service.ts': f'{M}/party/commands/members.ts',
    'src/domain/party/task-service.ts': f'{M}/party/commands/tasks.ts',
    'src/http/routes/party.ts': f'{M}/party/http.ts',
    'src/flows/builtin/party-flows.ts': f'{M}/party/flows/party-flows.ts',
    # ---- modules/demo ------------------------------------------------------------------------
    'src/domain/demo/demo-seed.ts': f'{M}/demo/seed.ts',
    # ---- flows: the generic engine -----------------------------------------------------------
    'src/flows/actions.ts': 'src/flows/actions.ts',
    'src/flows/answers.ts': 'src/flows/answers.ts',
    'src/flows/engine-texts.ts': 'src/flows/engine-texts.ts',
    'src/flows/flow-check.ts': 'src/flows/flow-check.ts',
    'src/flows/flow-engine.ts': 'src/flows/flow-engine.ts',
    'src/flows/flow-repository.ts': 'src/flows/flow-repository.ts',
    'src/flows/flow-schema.ts': 'src/flows/flow-schema.ts',
    'src/flows/flow-service.ts': 'src/flows/flow-service.ts',
    'src/flows/machine.ts': 'src/flows/machine.ts',
    'src/flows/simulator.ts': 'src/flows/simulator.ts',
    'src/flows/turn-context.ts': 'src/flows/turn-context.ts',
    'src/flows/turn-writes.ts': 'src/flows/turn-writes.ts',
    'src/flows/builtin/index.ts': 'src/flows/builtin.ts',
    # ---- http: app, auth, errors, shared schemas, routes of no module ---------------------------
    'src/http/app.ts': 'src/http/app.ts',
    'src/http/auth.ts': 'src/http/auth.ts',
    'src/http/error-handler.ts': 'src/http/error-handler.ts',
    'src/http/schemas.ts': 'src/http/schemas.ts',
    'src/http/routes/channels.ts': 'src/http/routes/channels.ts',
    'src/http/routes/deliveries.ts': 'src/http/routes/deliveries.ts',
    'src/http/routes/flows.ts': 'src/http/routes/flows.ts',
    'src/http/routes/health.ts': 'src/http/routes/health.ts',

    # ======================================= tests ==============================================
    'test/global-setup.ts': 'test/global-setup.ts',
    'test/config.test.ts': 'test/app/config.test.ts',
    'test/runtime/runtime.test.ts': 'test/app/runtime.test.ts',
    'test/e2e/no-loss-e2e.test.ts': 'test/app/no-loss-e2e.test.ts',
    # kernel
    'test/db/batcher.test.ts': 'test/kernel/db/batcher.test.ts',
    'test/db/db.test.ts': 'test/kernel/db/db.test.ts',
    'test/queue/backend.test.ts': 'test/kernel/queue/backend.test.ts',
    'test/bot/inbound-dispatcher.test.ts': 'test/kernel/chat/dispatcher.test.ts',
    'test/bot/outbound/outbound.test.ts': 'test/kernel/outbox/outbound.test.ts',
    'test/domain/deadline-calendar.test.ts': 'test/kernel/time/china-calendar.test.ts',
    # channels
    'test/bot/conformance/channel-conformance.test.ts': 'test/channels/conformance/channel-conformance.test.ts',
    'test/bot/conformance/driver.ts': 'test/channels/conformance/driver.ts',
    'test/bot/conformance/telegram-driver.ts': 'test/channels/conformance/telegram-driver.ts',
    'test/bot/conformance/wechat-driver.ts': 'test/channels/conformance/wechat-driver.ts',
    **{f'test/bot/telegram/{n}': f'test/channels/telegram/{n}' for n in [
        'harness.ts', 'inbound.test.ts', 'polling.test.ts', 'send.test.ts', 'units.test.ts', 'webhook.test.ts']},
    **{f'test/bot/wechat/{n}': f'test/channels/wechat/{n}' for n in [
        'exit-check.ts', 'support.ts', 'wechat-adapter.test.ts', 'wechat-parts.test.ts', 'wechaty-factory.test.ts']},
    'test/e2e/telegram-e2e.test.ts': 'test/channels/telegram/telegram-e2e.test.ts',
    'test/e2e/wechat-e2e.test.ts': 'test/channels/wechat/wechat-e2e.test.ts',
    # flows and http of no module
    'test/flows/engine.test.ts': 'test/flows/engine.test.ts',
    'test/flows/flow-check.test.ts': 'test/flows/flow-check.test.ts',
    'test/flows/turn-path.test.ts': 'test/flows/turn-path.test.ts',
    'test/http/auth.test.ts': 'test/http/auth.test.ts',
    'test/http/health.test.ts': 'test/http/health.test.ts',
    'test/http/flows.test.ts': 'test/http/flows.test.ts',
    # modules
    'test/http/orgs.test.ts': 'test/modules/orgs/http.test.ts',
    'test/http/units.test.ts': 'test/modules/units/http.test.ts',
    'test/http/chats.test.ts': 'test/modules/chats/http.test.ts',
    'test/domain/bulk-escalation.test.ts': 'test/modules/complaints/bulk-escalation.test.ts',
    'test/domain/complaint-lifecycle.test.ts': 'test/modules/complaints/lifecycle.test.ts',
    'test/domain/complaints.test.ts': 'test/modules/complaints/complaints.test.ts',
    'test/http/complaints.test.ts': 'test/modules/complaints/http.test.ts',
    'test/http/metrics.test.ts': 'test/modules/complaints/metrics-http.test.ts',
    'test/http/open311.test.ts': 'test/modules/complaints/open311-http.test.ts',
    'test/e2e/complaint-flow-e2e.test.ts': 'test/modules/complaints/flow-e2e.test.ts',
    'test/e2e/complaint-loop-e2e.test.ts': 'test/modules/complaints/loop-e2e.test.ts',
    'test/domain/votes-counting.test.ts': 'test/modules/votes/counting.test.ts',
    'test/domain/votes.test.ts': 'test/modules/votes/votes.test.ts',
    'test/http/proposals.test.ts': 'test/modules/votes/http.test.ts',
    'test/e2e/vote-e2e.test.ts': 'test/modules/votes/e2e.test.ts',
    'test/domain/reminder-schedule.test.ts': 'test/modules/reminders/schedule.test.ts',
    'test/domain/reminders.test.ts': 'test/modules/reminders/reminders.test.ts',
    'test/http/reminders.test.ts': 'test/modules/reminders/http.test.ts',
    'test/e2e/reminder-e2e.test.ts': 'test/modules/reminders/e2e.test.ts',
    'test/domain/evaluation-scoring.test.ts': 'test/modules/evaluations/scoring.test.ts',
    'test/domain/evaluations.test.ts': 'test/modules/evaluations/evaluations.test.ts',
    'test/http/evaluations.test.ts': 'test/modules/evaluations/http.test.ts',
    'test/e2e/evaluation-e2e.test.ts': 'test/modules/evaluations/e2e.test.ts',
    'test/domain/party.test.ts': 'test/modules/party/party.test.ts',
    'test/queue/party-worker.test.ts': 'test/modules/party/moments.test.ts',
    'test/http/party.test.ts': 'test/modules/party/http.test.ts',
    'test/e2e/party-e2e.test.ts': 'test/modules/party/e2e.test.ts',
    'test/e2e/party-wechat-e2e.test.ts': 'test/modules/party/wechat-e2e.test.ts',
    # fakes (test doubles, own vitest configs) and support stay
    'test/fakes/telegram-fake.test.ts': 'test/fakes/telegram-fake.test.ts',
    'test/fakes/wechat-mock.test.ts': 'test/fakes/wechat-mock.test.ts',
    **{f'test/fakes/telegram/{n}': f'test/fakes/telegram/{n}' for n in [
        'faults.ts', 'formatting.ts', 'http.ts', 'index.ts', 'methods.ts', 'server.ts', 'store.ts',
        'types.ts', 'updates.ts', 'vitest.fake.config.ts']},
    **{f'test/fakes/wechat/{n}': f'test/fakes/wechat/{n}' for n in [
        'exit-check.ts', 'harness.ts', 'vitest.fake.config.ts']},
    **{f'test/support/{n}': f'test/support/{n}' for n in [
        'app.ts', 'db.ts', 'env.ts', 'net.ts', 'org-chain.ts', 'owners.ts', 'recording-adapter.ts',
        'redis.ts', 'tcp-proxy.ts', 'telegram-linli.ts', 'telegram-residents.ts', 'until.ts',
        'wechat-linli.ts']},
}

# Files whose content is cut up: old path -> [(new path, what goes there)]. The primary destination
# (MOVES) keeps whatever is not listed. Line numbers are of /work/main at the time of the plan.
SPLITS: dict[str, list[tuple[str, str]]] = {
    'src/services.ts': [
        ('src/app/modules.ts', 'MODULES: the one ordered list of module manifests (replaces createServices)'),
        ('src/modules/*/index.ts', 'each `new XService(...)` line moves into its module manifest build()'),
    ],
    'src/runtime.ts': [
        ('src/app/runtime.ts', 'startLinli: one loop over MODULES (services, moments, chat handlers, http, flows)'),
        ('src/modules/tokens/bootstrap.ts', 'bootstrapAdminToken (L169-183) as the tokens module start hook'),
    ],
    'src/queue/names.ts': [
        ('src/kernel/queue/names.ts', 'jobId, kernel queues (maintenance, outbound-*, flows)'),
        ('src/modules/<m>/moments.ts', 'deadlines/votes/reminders/evaluations/party queue names, declared by their moments'),
    ],
    'src/queue/workers/maintenance.worker.ts': [
        ('src/kernel/queue/maintenance.ts', 'the hourly scheduler running registered purge tasks'),
        ('src/modules/chats/index.ts', 'purge of bind codes registered as a maintenance task'),
        ('src/kernel/chat/update-marks.ts', 'purge of processed_updates (ChatService.purgeExpired L225-234, first statement)'),
    ],
    'src/queue/workers/party.worker.ts': [
        ('src/modules/party/moments.ts', 'task moments + yearly check-in moment'),
        ('src/kernel/time/china-calendar.ts', 'checkinTime/checkinYearDue China-time arithmetic (L8-19) via kernel/time zone functions'),
    ],
    'src/bot/inbound-dispatcher.ts': [
        ('src/kernel/chat/dispatcher.ts', 'InboundDispatcher minus bind/ensureResident; InboundContext moves to kernel/chat/context.ts'),
        ('src/kernel/chat/context.ts', 'InboundContext, ReplyOptions, Lookup, ChatBinding/Speaker types (L20-68)'),
        ('src/modules/chats/chat.ts', 'BIND_TEXT, bind() (L222-237) as a router command/hears handler'),
        ('src/modules/people/residents.ts', 'ensureResident (L238-266) behind the kernel Speakers port'),
    ],
    'src/bot/texts.ts': [
        ('src/kernel/chat/texts.ts', 'help, unboundGroup'),
        ('src/modules/chats/texts.ts', 'bound, bindUnknown, bindExpired, bindUsed, bindInPrivate'),
    ],
    'src/bot/telegram/webhook.ts': [
        ('src/channels/telegram/webhook.ts', 'unchanged except errorBody import'),
    ],
    'src/http/error-handler.ts': [
        ('src/http/error-handler.ts', 'installErrorHandler'),
        ('src/kernel/access/errors.ts', '`body()` error envelope (used by channels/telegram/webhook.ts)'),
    ],
    'src/domain/chats/chat-service.ts': [
        ('src/modules/chats/service.ts', 'ChatService commands/queries'),
        ('src/modules/chats/repository.ts', 'ChatRow, toChat, findChat, upsertChat, bind_codes SQL'),
        ('src/kernel/chat/update-marks.ts', 'handledBefore (L204-212), first statement of purgeExpired (L225-234)'),
        ('src/kernel/chat/unbound-notices.ts', 'mayExplainUnbound (L213-224) — the dispatcher\'s own table'),
    ],
    'src/domain/chats/chat-addresses.ts': [
        ('src/modules/chats/addresses.ts', 'residentsGroups (reads linli.chats), exported by chats/index.ts'),
        ('src/modules/people/addresses.ts', 'privateAddresses, privateAddress (read linli.identities + linli.people), exported by people/index.ts'),
    ],
    'src/domain/chats/chat-schema.ts': [
        ('src/modules/chats/schema.ts', 'zod schemas'),
        ('src/kernel/chat/context.ts', 'ChatPurpose / ChatBinding type the dispatcher and engine need'),
    ],
    'src/domain/people/people-schema.ts': [
        ('src/modules/people/schema.ts', 'zod schemas, ROLES'),
        ('src/kernel/chat/port.ts', 'CHANNELS (the channel list is the port\'s)'),
    ],
    'src/domain/complaints/complaint-service.ts': [
        ('src/modules/complaints/commands/transitions.ts', 'constructor, act, transition, escalateIfDue, rate, closeUnratedIfDue, changed, past (L84-94, L192-389, L649-657, L668-686)'),
        ('src/modules/complaints/moments.ts', 'afterChange, startDeadlines, ratingDueAt, scheduleDeadlines, escalateDue, scheduleBuckets, notifyEscalated, reconcile, remindOverdue, BUCKET_MS..bucketJobs (L95-191, L390-487, L687-720)'),
        ('src/modules/complaints/queries/complaints.ts', 'seesAnonymous, get, list, present (L488-582, L585-623)'),
        ('src/modules/complaints/repository.ts', 'ComplaintRow, lock, update, levelOrgId (L30-73, L624-648, L658-667)'),
    ],
    'src/domain/complaints/complaint-repository.ts': [
        ('src/modules/complaints/repository.ts', 'insertComplaint, handlesComplaint'),
        ('src/modules/units/repository.ts', 'compoundOf, findUnit, compoundHasUnits (the unit register)'),
    ],
    'src/domain/complaints/open311-service.ts': [
        ('src/modules/complaints/open311/service.ts', 'Open311Service: authorize, services, serviceDefinition, create, list, get, ownCompound (L92-217, L351-359)'),
        ('src/modules/complaints/open311/query.ts', 'query, locate (L218-350)'),
        ('src/modules/complaints/open311/params.ts', 'toService, notice, defaultLabel, after, list, parseIds, parseDate, required, invalid (L361-416)'),
    ],
    'src/flows/builtin-actions.ts': [
        ('src/modules/complaints/actions.ts', 'create_complaint, rate_complaint, note_complaint'),
        ('src/modules/units/actions.ts', 'register_resident'),
        ('src/app/modules.ts', 'the registry is filled by looping over manifests (no builtinActions())'),
    ],
    'src/flows/compound-lookups.ts': [
        ('src/modules/complaints/option-sources.ts', 'dynamicOptions = complaint categories option source'),
        ('src/modules/units/option-sources.ts', 'checkLocation = unit register check'),
    ],
    'src/flows/builtin/index.ts': [
        ('src/flows/builtin.ts', 'seedBuiltinFlows(db, actions, flows: FlowDefinition[]) generic'),
        ('src/modules/*/index.ts', 'each manifest lists its builtinFlows'),
    ],
    'src/flows/flow-engine.ts': [
        ('src/flows/flow-engine.ts', 'handle, fastTurn, turnWrites, readEnv, turn, begin, persist, outcome, finish, deliver, lockActive (L57-212, L270-361, L376-394)'),
        ('src/flows/timeouts.ts', 'expire, timeoutDue, sweepExpired, armTimeout as the flow-timeout Moment (L213-269, L362-375)'),
        ('src/flows/triggers.ts', 'precheck, readPrecheck, flowCache, publishedFlow, versions, matchTrigger, triggerHit (L395-477, L534-559)'),
        ('src/flows/action-env.ts', 'env(): runAction + option sources (L478-527)'),
    ],
    'src/domain/votes/vote-service.ts': [
        ('src/modules/votes/commands/proposals.ts', 'create, cancel (L128-198, L230-256)'),
        ('src/modules/votes/moments.ts', 'openIfDue, closeIfDue, remindIfDue, schedule, jobsOf, runJob, reconcile (L257-416)'),
        ('src/modules/votes/commands/ballots.ts', 'cast, castIn, castPaper (L417-523)'),
        ('src/modules/votes/queries/proposals.ts', 'get, list, result, audit, verify, receipt, findReceipt, findReceiptFor, row, electorate, count, turnout, openIn, visible, present (L199-229, L524-711)'),
        ('src/modules/votes/repository.ts', 'ProposalRow etc., freezeElectorate, markReminded, lockOrNull, lock (L34-98, L712-775)'),
    ],
    'src/domain/reminders/reminder-service.ts': [
        ('src/modules/reminders/schema.ts', 'audienceSchema, createReminderBody, ReminderRow, OccurrenceRow (L34-105)'),
        ('src/modules/reminders/commands/reminders.ts', 'create, setStatus, remove (L157-220, L273-318)'),
        ('src/modules/reminders/queries/reminders.ts', 'get, list, preview, view (L221-272, L319-336, L761-777)'),
        ('src/modules/reminders/moments.ts', 'fire, followUp, reconcile, compiled, scheduleNext, scheduleFollowUp, occurrenceJobId, followUpJobId (L113-114, L337-442, L513-613)'),
        ('src/modules/reminders/commands/acknowledge.ts', 'acknowledge, acknowledgeInGroup, ackPayload, ACK_PAYLOAD (L109-112, L443-512)'),
        ('src/modules/reminders/audience.ts', 'insertMessage, render, targets, personTargets, checkAudience, TEXTS (L116-137, L614-722)'),
        ('src/kernel/access/scope.ts', 'assertOrgWritable, visible become loadScoped calls (L723-739)'),
    ],
    'src/domain/evaluations/evaluation-service.ts': [
        ('src/modules/evaluations/schema.ts', 'CampaignRow, CampaignSettings, CreateCampaignBody, Results, Ranking (L31-130)'),
        ('src/modules/evaluations/commands/campaigns.ts', 'create, targets, cancel, closeNow (L145-274, L302-355)'),
        ('src/modules/evaluations/commands/responses.ts', 'respond, record, forResident, campaignRefusal, refusalError (L356-525, L857-881)'),
        ('src/modules/evaluations/moments.ts', 'schedule, openIfDue, closeIfDue, announceIfNeeded, reportIfNeeded, onJob, reconcile (L526-639)'),
        ('src/modules/evaluations/queries/results.ts', 'list, get, results, ranking, compute, present, rankingOf (L275-301, L640-762, L778-830)'),
        ('src/modules/evaluations/repository.ts', 'findCampaign, lockCampaign, companyAt (L831-856)'),
        ('src/kernel/access/scope.ts', 'visible, writable become loadScoped calls (L763-777)'),
    ],
    'src/domain/party/party-service.ts': [
        ('src/modules/party/commands/branches.ts', 'createBranch, checkSecretary, branchFor, getBranch, listBranches, updateBranch, deleteBranch (L108-244)'),
        ('src/modules/party/commands/members.ts', 'register, memberFor, getMember, listMembers, decide, decideOverHttp, isSecretaryFor (L245-430)'),
        ('src/modules/party/commands/pairings.ts', 'pairingsOf, listPairings, addPairing, removePairing (L431-510)'),
        ('src/modules/party/queries/records.ts', 'serviceRecord, serviceRecordsCsv, csvCell (L511-627, L674-679)'),
        ('src/modules/party/moments.ts', 'januaryCheckin (L628-667) as the check-in moment; yearBounds (L87-92) via kernel/time'),
    ],
    'src/domain/party/task-service.ts': [
        ('src/modules/party/commands/tasks.ts', 'types, create, cancel (L12-90, L104-226, L587-632)'),
        ('src/modules/party/commands/task-answers.ts', 'lockOpen, accept, decline, completable, complete (L392-530)'),
        ('src/modules/party/repository.ts', 'assignments (L637-644) and the other party SQL helpers'),
        ('src/modules/party/moments.ts', 'dueOf, schedule, fireIfDue, escalationRecipients, reconcile, taskJobId (L227-391, L635-636)'),
        ('src/modules/party/queries/tasks.ts', 'taskFor, get, list, present (L531-586, L645-667)'),
    ],
    'src/http/routes/tokens.ts': [
        ('src/modules/tokens/http.ts', 'token routes'),
        ('src/http/routes/audit.ts', 'GET /api/v1/audit (the audit log is kernel/access: a route of no module)'),
    ],
    'src/domain/people/people-repository.ts': [
        ('src/modules/people/repository.ts', 'all of it'),
    ],
    'src/domain/party/party-notifier.ts': [
        ('src/modules/party/notifier.ts', 'texts/addressing only; stage/flush go to kernel/outbox/notifier.ts'),
        ('src/modules/people/index.ts', 'nearestRoleHolders (reads role_assignments: the people module\'s table)'),
    ],
}

# New files (no old path): manifests, ports, the one notifier and the one moment machinery.
NEW_FILES: list[tuple[str, str]] = [
    ('src/app/runtime.ts', '(moved) startLinli loops over MODULES'),
    ('src/kernel/module.ts', 'ModuleManifest type: name, build(deps) -> {services, http?, chat?, actions?, builtinFlows?, moments?, optionSources?, maintenance?, start?}'),
    ('src/kernel/moments/moment.ts', 'Moment<Row, Data> interface + MomentRunner (schedule/probe/reconcile)'),
    ('src/kernel/moments/runner.ts', 'one worker per queue dispatching by job name to the moment, one reconcile loop for all'),
    ('src/kernel/outbox/notifier.ts', 'Notifications: stage(tx, req) -> Staged; flush(staged); the after-commit sink'),
    ('src/kernel/db/after-commit.ts', 'db.transaction(fn, {afterCommit}) / UnitOfWork collecting after-commit work'),
    ('src/kernel/chat/context.ts', 'InboundContext, ChatBinding, Speaker, Lookup'),
    ('src/kernel/chat/router.ts', 'Composer-like router: command/hears/choice/callback, each next-able'),
    ('src/kernel/chat/callback-data.ts', 'callbackData(prefix, zodTuple): {pack(...), parse(payload)}: defined once, used to write and read buttons'),
    ('src/kernel/chat/directory.ts', 'ports the dispatcher needs: Speakers (byIdentity, ensureResident), BoundChats (find)'),
    ('src/kernel/access/scope.ts', 'OrgTree port (path/find) + loadScoped(principal, what, id, mode)'),
    ('src/kernel/time/formats.ts', 'formatLocal(d, style) replacing 4 copies of Intl.DateTimeFormat(zh-CN, Asia/Shanghai)'),
    ('src/kernel/i18n.ts', 'Locale, Text, render (one Locale type instead of bot/texts.ts + flows/flow-schema.ts)'),
    ('src/flows/option-sources.ts', 'OptionSource registry (name -> (q, orgId, locale) => options / check)'),
    ('src/modules/orgs/index.ts', 'manifest + exports: findOrg, orgPath, Org, OrgKind, orgTree (OrgTree impl)'),
    ('src/modules/people/index.ts', 'manifest + exports: findPersonByIdentity, insertPerson, insertIdentity, insertRole, ROLES, Role, Person, nearestRoleHolders, speakers (Speakers impl)'),
    ('src/modules/people/residents.ts', 'ensureResident (from inbound-dispatcher)'),
    ('src/modules/units/index.ts', 'manifest + exports: compoundOf, findUnit, register_resident action, registration flow, location check source'),
    ('src/modules/units/repository.ts', 'unit SQL now in unit-service.ts + compoundOf/findUnit/compoundHasUnits'),
    ('src/modules/units/actions.ts', 'register_resident'),
    ('src/modules/units/option-sources.ts', 'checkLocation'),
    ('src/modules/tokens/index.ts', 'manifest + exports: authenticate (for http/auth and open311), bootstrap'),
    ('src/modules/tokens/bootstrap.ts', 'bootstrapAdminToken'),
    ('src/modules/chats/index.ts', 'manifest + exports: residentsGroups, privateAddresses, privateAddress, bind handler, maintenance purge'),
    ('src/modules/chats/repository.ts', 'chat + bind code SQL'),
    ('src/modules/chats/chat.ts', 'bind command/hears handler'),
    ('src/modules/chats/texts.ts', 'bind texts'),
    ('src/modules/complaints/index.ts', 'manifest + exports: categoriesFor, DEFAULT_CATEGORIES, complaintMetrics (for evaluations)'),
    ('src/modules/complaints/queries/complaints.ts', 'get/list/present'),
    ('src/modules/votes/index.ts', 'manifest'),
    ('src/modules/votes/repository.ts', 'proposal SQL'),
    ('src/modules/votes/commands/ballots.ts', 'cast'),
    ('src/modules/votes/queries/proposals.ts', 'reads'),
    ('src/modules/reminders/index.ts', 'manifest'),
    ('src/modules/reminders/queries/reminders.ts', 'reads'),
    ('src/modules/reminders/commands/acknowledge.ts', 'acks'),
    ('src/modules/reminders/audience.ts', 'targets'),
    ('src/modules/evaluations/index.ts', 'manifest'),
    ('src/modules/evaluations/repository.ts', 'campaign SQL'),
    ('src/modules/evaluations/commands/responses.ts', 'responses'),
    ('src/modules/evaluations/queries/results.ts', 'results'),
    ('src/modules/party/index.ts', 'manifest'),
    ('src/modules/party/queries/records.ts', 'records'),
    ('src/modules/demo/index.ts', 'manifest with start hook seedDemoIfEmpty (imports orgs/people/units/chats index only)'),
    ('src/flows/triggers.ts', 'from flow-engine.ts'),
    ('src/flows/action-env.ts', 'from flow-engine.ts'),
    ('test/support/linli.ts', 'one builder used by app.ts, wechat-linli.ts, telegram-linli.ts: the same MODULES composition as production'),
]


def all_files() -> list[str]:
    out = []
    for top in ('src', 'test'):
        for d, dirs, fs in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [x for x in dirs if x != 'node_modules']
            for f in fs:
                out.append(os.path.relpath(os.path.join(d, f), ROOT))
    return sorted(out)


def main() -> int:
    files = all_files()
    missing = [f for f in files if f not in MOVES]
    extra = [f for f in MOVES if f not in files]
    if missing or extra:
        print('missing:', missing, '\nextra:', extra, file=sys.stderr)
        return 1
    targets: dict[str, str] = {}
    for old, new in MOVES.items():
        if new in targets:
            # two old files into one new file: allowed only for worker -> moments merges
            pass
        targets.setdefault(new, old)
    with open(os.path.join(HERE, 'move-map.tsv'), 'w') as f:
        for old in files:
            f.write(f'{old}\t{MOVES[old]}\n')
    with open(os.path.join(HERE, 'splits.tsv'), 'w') as f:
        f.write('old_path\tnew_path\twhat\n')
        for old, parts in SPLITS.items():
            for new, what in parts:
                f.write(f'{old}\t{new}\t{what}\n')
    existing = set(MOVES.values())
    listed = {n for n, _ in NEW_FILES}
    derived = []
    for old, parts in SPLITS.items():
        for new, what in parts:
            if new not in existing and new not in listed and '*' not in new and '<' not in new:
                derived.append((new, f'from {old}: {what}'))
                listed.add(new)
    with open(os.path.join(HERE, 'new-files.tsv'), 'w') as f:
        f.write('new_path\twhat\n')
        for new, what in sorted(NEW_FILES + derived):
            if new in existing:
                continue  # a moved file, not a new one
            f.write(f'{new}\t{what}\n')
    moved = sum(1 for o in files if MOVES[o] != o)
    merged = {n: [o for o in MOVES if MOVES[o] == n] for n in set(MOVES.values())}
    merged = {n: os_ for n, os_ in merged.items() if len(os_) > 1}
    print(f'{len(files)} files, {moved} move, {len(files) - moved} stay; merged targets: {merged}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
