"""Writes violations.md: every import that breaks the plan-13 rules once the move map is applied,
grouped by kind with a proposed fix per group, then the SQL that crosses module tables (which no
import shows), the symbols each module's index.ts must export, and the non-import rule breaks.

usage: python3 violations.py   (reads /work/main, writes ./violations.md)
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imports import analyse, zone  # noqa: E402
from sqlscan import OWNER, foreign, scan  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def starts(p: str, *prefixes: str) -> bool:
    return any(p.startswith(x) for x in prefixes)


# (id, title, predicate(kind, new_src, new_target), fix) — first match wins
GROUPS = [
    # ---------------------------------------------------------------- kernel → module / app
    ('K1', 'kernel/chat/dispatcher.ts reads chats and people (chat binding, the writer, bind codes, new residents)',
     lambda k, s, t: s == 'src/kernel/chat/dispatcher.ts',
     """The dispatcher keeps its job (dedupe, unbound-group notice, help, hand-off) and loses the module
work. (1) `Chat`/`Person` become kernel types `ChatBinding {id, orgId, purpose, channel, externalChatId}` and
`Speaker {id, name, locale, orgId}` in `kernel/chat/context.ts` (the fields handlers actually read: `ctx.chat.orgId/id/purpose`,
`ctx.person.id/name/locale/orgId`); the chats and people schemas satisfy them structurally. (2) A port
`kernel/chat/directory.ts`: `Speakers { byIdentity(channel, externalId); ensureResident(message, chat) }`, implemented
by `modules/people/residents.ts` (today's `ensureResident`, dispatcher L238-266, with insertPerson/insertIdentity/insertRole),
and `BoundChats { find(channel, externalChatId) }` implemented by the chats module; both required constructor deps, wired
in `app/runtime.ts`. (3) `handledBefore` and `mayExplainUnbound` touch kernel tables (`processed_updates`,
`unbound_chat_notices`): they move out of `ChatService` into `kernel/chat/update-marks.ts` / `kernel/chat/unbound-notices.ts`.
(4) Binding (`BIND_TEXT`, `bind()` L222-237, the bind texts) becomes the chats module's chat handler
(`router.command('bind')` + `router.hears(BIND_TEXT)`) registered in the router's *pre-lookup* stage, so it still runs before
the fresh-check exactly as today (same `handledBefore` dedupe, same `reply-…-bind` key)."""),
    ('K2', 'kernel scoping reads orgs (delivery list, audit list)',
     lambda k, s, t: s in ('src/kernel/outbox/delivery-service.ts', 'src/kernel/access/audit-query.ts'),
     """Both do "load the org, 404 unless the principal sees its path". That is kernel/access's *scoped loading*:
`kernel/access/scope.ts` declares `interface OrgTree { path(q, orgId): Promise<readonly number[] | null> }` and
`loadScoped(tree, q, principal, 'org', id, 'read' | 'write')`; `modules/orgs/repository.ts` implements `OrgTree`
(`orgTree = { path: orgPath }`) and `modules/orgs/index.ts` exports it; `app/runtime.ts` passes it to `DeliveryService`,
`AuditQuery` (and the flow service/engine, F2) as a required constructor argument. The kernel then names
no module."""),
    ('K3', 'kernel/queue/maintenance.ts takes the whole Services',
     lambda k, s, t: s == 'src/kernel/queue/maintenance.ts',
     """`startMaintenanceWorker(queues, tasks: MaintenanceTask[], logger)` with `MaintenanceTask = {name, run(): Promise<number>}`.
The kernel contributes `purgeProcessedUpdates` (first half of `ChatService.purgeExpired`, chat-service.ts L225-234, first statement), the
chats manifest contributes `purgeBindCodes` (second half) through `manifest.maintenance`. Same hourly scheduler id
(`hourly-purge`), same job name (`purge`): the return value becomes `{updates, codes}` assembled from the named tasks,
so the debug log line is unchanged."""),
    # ---------------------------------------------------------------- flows → module
    ('F1', 'flows/turn-context.ts maps chat and person rows with the modules\' row types',
     lambda k, s, t: s == 'src/flows/turn-context.ts',
     """Keep the one hot statement (README *Architecture*: one round trip per message reads the mark, the chat, the writer,
the conversation, the org path and the flow generation) — it is the documented reason for a flows file to read
`linli.chats`, `linli.identities`, `linli.people` and `linli.orgs` (see §3). What goes: the imports. The statement
selects exactly the columns of `ChatBinding` and `Speaker` (kernel/chat/context.ts, K1) and maps them itself
(`toChatBinding`, `toSpeaker` next to the statement), so neither `ChatRow/toChat` (chats) nor `PersonRow/toPerson`
(people) is needed. `TurnContext.chat/person` become `ChatBinding/Speaker`, which is what `InboundContext` carries."""),
    ('F2', 'flows (engine, flow service) load orgs with findOrg',
     lambda k, s, t: starts(s, 'src/flows/') and t == 'src/modules/orgs/repository.ts',
     """`FlowService` (flow-service.ts L40: load org, assert can see/write) → `loadScoped(orgTree, …)` from kernel/access (K2).
`FlowEngine.matchTrigger` (flow-engine.ts L461-477, `findOrg` for the path of a chat-less conversation) → `orgTree.path`.
`OrgTree` is a required field of `FlowEngineDeps` and a constructor argument of `FlowService`."""),
    ('F3', 'flows engine and simulator call the complaints module\'s lookups (categories, unit register)',
     lambda k, s, t: t == 'src/modules/complaints/option-sources.ts',
     """An *option source* registry in `flows/option-sources.ts` (`OptionSources.register({name, options(q, orgId, locale),
check?(q, orgId, value, locale)})`) filled from `manifest.optionSources`: complaints registers `categories` (today's
`dynamicOptions`, compound-lookups.ts L19-23), units registers the `location` check (today's `checkLocation`, L24-29).
`MachineEnv.dynamicOptions(source)` and `checkLocation` resolve through the registry (engine `env()` L478-527,
simulator L71). The flow schema's `optionsFrom: z.enum(['categories'])` (flow-schema.ts L55) becomes `z.string()` and
`flow-check.ts` refuses an unknown source the way it refuses an unknown action, so a module can add a source without
touching the engine."""),
    ('F4', 'flows/builtin.ts imports every module\'s built-in flow definitions',
     lambda k, s, t: s == 'src/flows/builtin.ts',
     """`seedBuiltinFlows(db, actions, flows: FlowDefinition[])`; each manifest lists `builtinFlows` (complaints: complaint,
handler_note, rating; units: registration; votes: vote; evaluations: evaluation; party: party_registration, task_accept,
task_complete) and `app/runtime.ts` passes the concatenation in MODULES order (the order of today's list in
builtin/index.ts, so the published ids do not change)."""),
    # ---------------------------------------------------------------- channels → http
    ('C1', 'channels/telegram/webhook.ts uses the HTTP error envelope',
     lambda k, s, t: s == 'src/channels/telegram/webhook.ts',
     """Move `body(code, message, details)` (error-handler.ts L65-67) to `kernel/access/errors.ts` as `errorEnvelope()`;
`http/error-handler.ts` and the webhook both import it from there."""),
    # ---------------------------------------------------------------- http → module / app
    ('H1', 'http/app.ts registers every module\'s routes and takes Services',
     lambda k, s, t: s == 'src/http/app.ts',
     """`buildApp({routes, rootRoutes, authenticate, channelState, deliveries, flows, …})`: `routes` are the
`manifest.http` plugins registered inside the authenticated `/api/v1` scope in MODULES order, `rootRoutes` the
`manifest.rootHttp` ones (Open311 under `/open311/v2`, with its own api_key auth); the routes of no module
(health, flows, deliveries + failed updates, channels, audit) stay in http/routes and get their services directly.
No `Services` type any more: `app/runtime.ts` collects the plugins from the built manifests."""),
    ('H2', 'http/auth.ts authenticates with the tokens module\'s service',
     lambda k, s, t: s == 'src/http/auth.ts',
     """`installAuth(api, {authenticate: (bearer) => Promise<Principal | null>, …})`: the port lives in kernel/access
(`Authenticate`), the tokens manifest exports `authenticate` (today `TokenService.authenticate`), runtime passes it to
`buildApp`. The Open311 route gets the same function from the tokens index (it may import tokens' index.ts)."""),
    ('H3', 'http/routes/deliveries.ts takes Services',
     lambda k, s, t: s == 'src/http/routes/deliveries.ts',
     """`deliveryRoutes({deliveries: DeliveryService, failedUpdates: FailedUpdates})` — both kernel services."""),
    # ---------------------------------------------------------------- module → app
    ('M0', 'module http.ts files and the demo seed take the app\'s Services',
     lambda k, s, t: k == 'module → app',
     """Each `modules/<m>/http.ts` exports `routes(services: <its own services>)`, called by its manifest, e.g.
`votes/http.ts: proposalRoutes({votes})`, `complaints/http.ts: complaintRoutes({complaints, policies})`,
`tokens/http.ts: tokenRoutes({tokens})` (the audit route moves to `http/routes/audit.ts`, K2). The demo seed becomes
the demo manifest's `start` hook, built with the orgs, people and units services it uses (`orgs.create`, `people.create`,
`people.grantRole`, `units.importUnits`), taken from their index.ts exports; the manifest declares `needs: ['orgs',
'people', 'units']` so MODULES order is checked."""),
    # ---------------------------------------------------------------- module → module internals
    ('X1', 'modules read orgs\' internals (findOrg, orgPath, insertOrg, Org, OrgKind)',
     lambda k, s, t: k.startswith('module → another') and t.startswith('src/modules/orgs/'),
     """Most call sites are "find org, 404/403 by its path" (chats, complaints policy and metrics, evaluations, party,
people, tokens, units, votes): they become `loadScoped(orgTree, …)` (K2) and stop importing orgs at all. The rest import
`modules/orgs/index.ts`, which exports `findOrg`, `orgPath`, `type Org`, `type OrgKind`, `ORG_KINDS` and, for
units' building import, `insertChildOrg` (today `insertOrg`, used by unit-service.ts L39 to create buildings)."""),
    ('X2', 'modules read people\'s internals (insertRole, insertPerson, ROLES, Role, phoneSchema, CHANNELS)',
     lambda k, s, t: k.startswith('module → another') and t.startswith('src/modules/people/'),
     """`modules/people/index.ts` exports `insertPerson`, `insertRole`, `findPersonByIdentity`, `ROLES`, `type Role`,
`phoneSchema`, `privateAddresses`/`privateAddress` (they read `linli.identities` + `linli.people`, the people module's
tables: moved from chats/addresses.ts), `nearestRoleHolders` (today in party-notifier.ts L80-91, reads
`role_assignments`). `CHANNELS` is the channel list of the port: `kernel/chat/port.ts` (`CHANNEL_NAMES`), used by the
chats and people schemas alike."""),
    ('X3', 'notifiers read chats/addresses.ts (residentsGroups, privateAddresses)',
     lambda k, s, t: k.startswith('module → another') and t == 'src/modules/chats/addresses.ts',
     """`residentsGroups` is exported by `modules/chats/index.ts`; `privateAddresses`/`privateAddress` by
`modules/people/index.ts` (X2). Better still (notifiers.md): the kernel `Notifications` takes an `Addressing` port
`{groupsOf(q, orgIds), privateOf(q, personIds)}` built in runtime from those two exports, and module notifiers
address `{to: 'group', orgId}` / `{to: 'person', personId}` without importing either module."""),
    ('X4', 'evaluations compute complaint rates with the complaints module\'s metrics service',
     lambda k, s, t: k.startswith('module → another') and t.startswith('src/modules/complaints/'),
     """`modules/complaints/index.ts` exports `complaintRates(q, {compoundIds, from, to, now})` (the part of
`ComplaintMetricsService` that `EvaluationService.compute` uses, evaluation-service.ts L668) and `type Rate`;
the evaluations manifest declares `needs: ['complaints']` and gets it in `build(deps)` as a required constructor
argument instead of `new ComplaintMetricsService(this.db, this.now)` inside `compute`."""),
    ('X5', 'the old builtin-actions.ts (now complaints/actions.ts) assembles every module\'s flow actions',
     lambda k, s, t: s == 'src/modules/complaints/actions.ts',
     """`builtinActions()` disappears: each manifest lists `actions` and `app/runtime.ts` fills one `ActionRegistry` in
MODULES order (votes, evaluations, party register theirs as today). `register_resident` (builtin-actions.ts L161-203)
moves to `modules/units/actions.ts` (it writes `unit_residents`, units' table) and imports `insertRole` from
`modules/people/index.ts`. The `complaints ?? new ComplaintService(ctx.db, ctx.queues)` fallbacks (L75, L116, L147)
go: the complaints manifest builds the actions with its service."""),
    # ---------------------------------------------------------------- tests
    ('T1', 'module tests seed people through the people module\'s repository',
     lambda k, s, t: k.startswith('test:'),
     """Not a lint error if the rule is scoped to `src/`, but they are the same coupling: add `test/support/people.ts`
(`seedPerson(db, {name, orgId, identity?, roles?})`) on top of `modules/people/index.ts` exports, used by the party,
reminders and complaints tests."""),
]


def group_of(kind: str, s: str, t: str):
    for gid, title, pred, fix in GROUPS:
        if pred(kind, s, t):
            return gid
    return None


def md_escape(x: str) -> str:
    return x.replace('|', '\\|')


def main() -> int:
    edges, bad = analyse()
    by_group: dict[str, list] = defaultdict(list)
    ungrouped = []
    for kind, e in bad:
        g = group_of(kind, e.new_src, e.new_target)
        (by_group[g] if g else ungrouped).append((kind, e))
    if ungrouped:
        for kind, e in ungrouped:
            print('UNGROUPED', kind, e.new_src, e.new_target, file=sys.stderr)
        return 1

    kinds = defaultdict(int)
    for kind, _ in bad:
        kinds[kind] += 1
    src_edges = [e for e in edges if e.src.startswith('src/')]

    out: list[str] = []
    w = out.append
    w('# Import violations after the move (plan 13)\n')
    w('Generated by `python3 violations.py` (in this folder) from the import statements of /work/main: '
      '`imports.py` parses every `import … from`, `export … from`, bare `import \'…\'` and `import(\'…\')` of each '
      '`.ts` file under src/, test/ and bench/, resolves relative specifiers to files, renames importer and target '
      'with `move-map.tsv` (primary destination of a file that is split, see `splits.tsv`), and checks each edge '
      'against these rules:\n')
    w('| layer | may import |\n|---|---|')
    w('| `src/kernel/**` | kernel only |')
    w('| `src/channels/<c>/**` | kernel, its own channel |')
    w('| `src/flows/**` (generic engine) | kernel, flows |')
    w('| `src/http/**` (app, auth, errors, schemas, routes of no module) | kernel, flows, channels, http |')
    w('| `src/modules/<m>/**` | kernel, flows, http, its own module, **another module only through `src/modules/<n>/index.ts`** |')
    w('| `src/app/**` | anything |')
    w('| `src/main.ts` | app, kernel |')
    w('')
    w(f'Totals: {len(edges)} import edges ({len(src_edges)} in src/), **{len(bad)} violations**: ' +
      ', '.join(f'{n} × {k}' for k, n in sorted(kinds.items(), key=lambda x: -x[1])) + '.')
    w('Unresolved relative imports: 0. Every violation below is an edge as written today, with both ends renamed.\n')
    w('## 1. Violations by group, with the fix\n')
    order = [g[0] for g in GROUPS]
    titles = {g[0]: g[1] for g in GROUPS}
    fixes = {g[0]: g[3] for g in GROUPS}
    for gid in order:
        items = by_group.get(gid)
        if not items:
            continue
        kind0 = items[0][0]
        w(f'### {gid}. {titles[gid]} — {len(items)} × `{kind0}`\n')
        w('| importer (new path:line) | old path | imports | from (new path) |\n|---|---|---|---|')
        for kind, e in sorted(items, key=lambda x: (x[1].new_src, x[1].line)):
            names = ", ".join(e.names) or "—"
            if e.type_only and '(type)' not in names:
                names = f'type {names}'
            w(f'| `{e.new_src}:{e.line}` | `{e.src}` | {md_escape(names)} | `{e.new_target}` |')
        w('')
        w(f'**Fix.** {fixes[gid]}\n')

    # ---- what each index.ts must export (what other modules import today, before the fixes)
    w('## 2. What each module\'s index.ts has to export\n')
    w('Every symbol a module is imported for today by code outside it (app/ excluded: the app imports manifests), '
      'by target module, with what it becomes after the fixes of §1. "index" = exported by `src/modules/<m>/index.ts`; '
      'the rest stop being imported from outside.\n')
    need: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for e in edges:
        if e.new_target is None:
            continue
        sl, su = zone(e.new_src)
        tl, tu = zone(e.new_target)
        if tl != 'module' or sl == 'app':
            continue
        if sl == 'module' and su == tu:
            continue
        if sl == 'test' and su == f'modules/{tu}':
            continue
        who = f'{sl}:{su}' if su else sl
        for n in e.names or ['(side effect)']:
            need[tu][n.replace(' (type)', '')].add(who)

    def outcome(mod: str, sym: str, who: set) -> str:
        if sym.endswith('Routes'):
            return '`manifest.http` (H1)'
        if sym.endswith('Flow'):
            return '`manifest.builtinFlows` (F4); tests import the module\'s flows/ directly'
        if sym == 'compoundLookups':
            return '`manifest.optionSources` (F3)'
        if sym in ('registerEvaluationActions', 'registerPartyActions', 'voteActions', 'builtinActions'):
            return '`manifest.actions` (X5)'
        if sym in ('Chat', 'ChatRow', 'toChat', 'Person', 'PersonRow', 'toPerson'):
            return '`ChatBinding`/`Speaker` in kernel/chat/context.ts (K1, F1)'
        if sym == 'ChatService':
            return '`BoundChats` port (K1)'
        if sym == 'TokenService':
            return '`Authenticate` port (H2)'
        if sym == 'CHANNELS':
            return 'kernel/chat/port.ts `CHANNEL_NAMES` (X2)'
        if sym == 'findOrg':
            return 'index (and `OrgTree` + `loadScoped` for kernel/flows and the scope checks, K2/X1)'
        if sym == 'insertOrg':
            return 'index as `insertChildOrg` (X1)'
        if sym in ('insertIdentity',) and who <= {'kernel:chat', 'test:flows', 'test:modules/party', 'test:modules/reminders'}:
            return 'index (tests via test/support/people.ts); kernel uses the `Speakers` port (K1)'
        if sym in ('privateAddress', 'privateAddresses'):
            return 'moves to people; index of people (X3)'
        if sym in ('PartyService', 'TaskService', 'VoteService') and who == {'module:complaints'}:
            return 'gone with builtinActions (X5)'
        if sym == 'ComplaintMetricsService':
            return 'index exports `complaintRates` (X4)'
        if set(who) == {'bench'}:
            return 'bench only (outside the rule): index or direct'
        return 'index'
    w('| module | symbol | imported by (layer:unit) | after the fixes |\n|---|---|---|---|')
    for m in sorted(need):
        for sym in sorted(need[m]):
            w(f'| {m} | `{sym}` | {", ".join(sorted(need[m][sym]))} | {outcome(m, sym, need[m][sym])} |')
    w('')
    w(INDEX_SKETCH)

    # ---- SQL across tables (no import shows it)
    rows = scan()
    fr = foreign(rows)
    w('## 3. SQL that reads another owner\'s tables (no import shows it)\n')
    w('Generated by `sqlscan.py`: every `linli.<table>` in a src `.ts` file, with the table\'s owner from the '
      'migrations (001 orgs → orgs; people/identities/role_assignments → people; units/unit_owners/unit_residents → '
      'units; api_tokens → tokens; audit_log → kernel/access; chats/bind_codes → chats; processed_updates/'
      'unbound_chat_notices/failed_updates → kernel/chat; deliveries → kernel/outbox; channel_state → kernel/chat; pending_choices → '
      'channels; flows/conversations → flows; the rest to their module). Listed: statements whose file, after the move, '
      f'belongs to another owner ({len(fr)} references in {len({r[1] for r in fr})} files).\n')
    g2: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for old, new, line, t, to, fo in fr:
        g2[new][t].append(line)
    w('| file (new path) | foreign tables (owner) and lines of the old file |\n|---|---|')
    for new in sorted(g2):
        cells = '; '.join(
            f'`{t}` ({OWNER[t]}) L{",".join(map(str, sorted(set(ls))))}' for t, ls in sorted(g2[new].items()))
        w(f'| `{new}` | {cells} |')
    w('')
    w(SQL_POLICY)
    w(NON_IMPORT)
    with open(os.path.join(HERE, 'violations.md'), 'w') as f:
        f.write('\n'.join(out) + '\n')
    print(f'wrote violations.md: {len(bad)} violations in {len(by_group)} groups, {len(fr)} foreign SQL references')
    return 0


INDEX_SKETCH = """Resulting index.ts surfaces (besides `export const manifest`):

| module | exports for other modules |
|---|---|
| orgs | `findOrg`, `orgPath`, `orgTree: OrgTree`, `insertChildOrg`, `type Org`, `type OrgKind`, `ORG_KINDS` |
| people | `findPersonByIdentity`, `insertPerson`, `insertIdentity`, `insertRole`, `ROLES`, `type Role`, `phoneSchema`, `privateAddresses`, `privateAddress`, `nearestRoleHolders`, `speakers: Speakers` |
| units | `compoundOf`, `findUnit`, `compoundHasUnits` (used by complaints' create_complaint) |
| chats | `residentsGroups`, `boundChats: BoundChats` |
| tokens | `authenticate: Authenticate`, `bootstrapAdminToken` |
| complaints | `complaintRates`, `type Rate`, `categoriesFor`, `DEFAULT_CATEGORIES` (tests) |
| votes, reminders, evaluations, party, demo | the manifest only |
"""

SQL_POLICY = """**Proposed rule for §3** (lint cannot see SQL; a test can: run `sqlscan.py`'s logic in `test/architecture.test.ts`
against an allow-list):

- **Allowed read joins** (the access model and addressing; replacing them by calls would multiply round trips):
  `linli.orgs (id, parent_id, kind, name, path, settings)` — the org tree that every scoped read filters on
  (`path @> ARRAY[$1]`), and `linli.role_assignments` for "who holds role R at or above org O". Both owners export the
  read shape in their index.ts (`ORG_TREE_COLUMNS`, `holdersSql`) so a column rename is one place.
- **Moves** (the statement goes to the owner, exported by its index): `compoundOf/findUnit/compoundHasUnits`
  (complaints/repository.ts → units), `register_resident`'s `unit_residents` upsert (→ units/actions.ts),
  `privateAddresses` (identities + people → people), `handledBefore/mayExplainUnbound/purgeExpired` (chats/service.ts →
  kernel/chat), `nearestRoleHolders` (party/notifier.ts → people), `inConversation` (party-chat-actions.ts L77-84 reads
  `conversations` → `flows` exports `hasActiveConversation(q, channel, chat, person)`), the sender's pause
  (`pausedUntil`/`pauseChannel`, outbound.worker.ts L152-168, on `channel_state`) → methods of `ChannelState`, which
  moves to kernel/chat (the table holds the WeChat login, the Telegram bot info and the pause: per-channel facts).
- **Reported, kept for now** (read models of another module inside one statement — votes' electorate freeze
  over `units/unit_owners`, evaluations' resident units and notifier audiences over `units/unit_owners/unit_residents/people`,
  party's member/task names from `people`, reminders' role audiences): each becomes a named query exported by the owner
  (`units.index: ownersOfCompound, residentUnitsOf`; `people.index: namesOf`) in a second pass; the allow-list names
  them so a new one fails the test.
- `flows/turn-context.ts` and `flows/turn-writes.ts` (the hot path: one statement each, README *Architecture*) are the
  documented exception: they may read chats/identities/people/orgs/processed_updates and write deliveries/processed_updates.
"""

NON_IMPORT = """## 4. Rule breaks no import shows

### 4.1 Optional collaborators, post-construction wiring, fallbacks (requirement: services take required collaborators)

| where | what | becomes |
|---|---|---|
| `src/services.ts:60-65` | `new ComplaintService(db, opts.queues ?? null, undefined, opts.outbox ? new ComplaintNotifier(…) : null)` | complaints manifest: `new ComplaintService({db, moments, notifications, notifier, clock})`, all required |
| `src/services.ts:66-67` | `new VoteService(db, opts.queues ?? null)` then **`votes.notifier = new VoteNotifier(…)`** (mutable field `vote-service.ts:114`) | constructor argument; `VoteNotifierPort`'s optional `stage?`/`stageRemind?` (L99-112) become required, the enqueue fallbacks (L273, L294, L328) go |
| `src/services.ts:68-70` | `partyNotifier = opts.outbox ? new PartyNotifier(…) : null` into PartyService, TaskService | required |
| `src/services.ts:82` | `new ReminderService(db, opts.queues ?? null, opts.outbox ?? null)` | required |
| `src/services.ts:93-97` | `new EvaluationService(db, opts.queues ?? null, opts.outbox ? new EvaluationNotifier(…) : null)` | required |
| `complaint-service.ts:86,89` | `queues: QueueBackend \\| null`, `notifier … \\| null = null`; guards L124, L172, L178, L418, L429; `this.notifier?.` L98, L187, L483 | guards go |
| `vote-service.ts:118` | `queues \\| null`; guards L334, L403; `this.notifier?.` L268, L273, L290, L294, L323, L328 | guards go |
| `reminder-service.ts:143-144` | `queues \\| null`, `outbox \\| null`; guards L546, L585, L600, L622; `this.outbox?.` L387, L439 | guards go |
| `evaluation-service.ts:137-138` | `queues \\| null`, `notifier \\| null`; guards L324, L528, L580, L590, L624 | guards go |
| `task-service.ts:94-95` | `queues \\| null`, `notifier \\| null`; guards L207, L236, L281, L374, L607, L625; `?.flush` L101, L222, L333, L624 | guards go |
| `party-service.ts:96` | `notifier \\| null`; guards L286, L388, L654; `?.flush` L102, L413 | guards go |
| `builtin-actions.ts:25-26,75,116,147` | `complaints \\| null = null`, `?? new ComplaintService(ctx.db, ctx.queues)` | manifest builds actions with its service |
| `vote-actions.ts:50`, `evaluation-actions.ts:66,94,139`, `party-actions.ts:16-22` | `?? new VoteService/EvaluationService/PartyService/TaskService(ctx.db, ctx.queues)` ("without the process's services: tests, tools") | same; `ActionContext.db/queues` (flows/actions.ts L18-20) can then be dropped |
| `evaluation-service.ts:668` | `new ComplaintMetricsService(this.db, this.now)` inside `compute` | required collaborator (X4) |
| `inbound-dispatcher.ts:91,97` | optional `next`, optional `lookup` with a second default lookup path (L107-119) | both required; the default path goes (runtime always passes TurnContexts) |

Why they exist: tests build services with `createServices(db, {})` (no queue, no outbox) — §4.5. With test/support built
from MODULES over the PGlite queue backend (jobs added, no worker started) every guard can go without changing a test's
observable behaviour.

### 4.2 Module knowledge inside kernel and flows without an import

- `kernel/queue/names.ts` (old `src/queue/names.ts` L8-33) lists the modules' queues (`deadlines`, `votes`, `reminders`,
  `evaluations`, `party`) and their job-id formats: each module's `moments.ts` declares its queue; the kernel keeps
  `maintenance`, `outbound-telegram`, `outbound-wechat`, and `QueueName` becomes `string & {__queue: true}` made by
  `queueName('votes')`.
- `flows/flow-schema.ts` L55 `optionsFrom: z.enum(['categories'])` and `machine.ts` L31-34 (`dynamicOptions(source:
  'categories')`, `checkLocation`) — F3.
- `flows/engine-texts.ts` `reasons.unknownLocation` stays (the generic `location` input), its check moves to units (F3).
- Kernel `ChatService.handledBefore/mayExplainUnbound/purgeExpired` live in the chats module today (chat-service.ts
  L204-234) though their tables are the dispatcher's — K1/K3.
- Two `Locale` types: `bot/texts.ts` L5 and `flows/flow-schema.ts` (`LOCALES`), plus `Text`/`render` in flow-schema used
  by party and votes: one `kernel/i18n.ts`.

### 4.3 Time zones (requirement: one time-zone module, TZ from config)

Config has `TZ` (config.ts L44-59, L89, default Asia/Shanghai) but only quiet hours use it (runtime.ts L59). Everything
else hard-codes China time, in two home-made zone engines and six literals:

| where | what |
|---|---|
| `domain/reminders/zoned-time.ts` (112 lines) | zone engine #1: `formatOf`, `wallOf`, `offsetAt`, `instantOfWall`, `civilDate`, `shiftDays` |
| `domain/complaints/deadline-calendar.ts` L121-190 | zone engine #2: `zoneOf`, `offsetAt`, `civilDay`, `dayOffset`; `DEFAULT_TIME_ZONE = 'Asia/Shanghai'` L47 |
| `domain/reminders/schedule.ts` L40 | `DEFAULT_TZ = 'Asia/Shanghai'` (a schedule without `tz`) |
| `queue/workers/party.worker.ts` L8-19, L50 | `checkinTime`/`checkinYearDue`: `+ 8 * 3600_000` |
| `domain/party/party-service.ts` L87-92 | `yearBounds`: `8 * 3600_000` |
| `domain/party/task-service.ts` L75-84, `domain/votes/vote-texts.ts` L17-29, `domain/evaluations/evaluation-notifier.ts` L148-158 | three copies of `Intl.DateTimeFormat('zh-CN', {timeZone: 'Asia/Shanghai', …})` |
| `domain/complaints/complaint-repository.ts` L23 | SQL `to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD')` (complaint number) |
| `domain/evaluations/evaluation-service.ts` L251-252, L849-850 | SQL `($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date` (contract on the opening day) |
| `bot/outbound/quiet-hours.ts` L22-30 | a third `Intl` minute-of-day helper |

→ `kernel/time/zone.ts` (from zoned-time.ts; deadline-calendar's memoised day offsets folded in), one `Zone` value
built from `config.tz` in runtime and passed to services that need civil time (`zone.wall`, `zone.civilDate`,
`zone.yearBounds`, `zone.instantOf`); SQL takes it as a parameter (`AT TIME ZONE $n`); `kernel/time/formats.ts`
has the three formats (`minute`, `dateTime`, `monthDayTime`); `kernel/time/china-calendar.ts` keeps the holiday data
and working-time arithmetic. With the default `TZ=Asia/Shanghai` every output is byte-identical; a reminder's own
`schedule.tz` keeps overriding.

### 4.4 Channels, composition

- `bot/channels.ts` (startChannels) imports `Config` and `Services`: it is process composition (which role receives,
  which sends) and moves to `src/app/channels.ts` (move-map), taking `channelState` and the dispatcher explicitly.
- `bot/channel-state.ts` (`linli.channel_state`: WeChat login, Telegram bot info) shares its table with the sender's
  pause (outbound.worker.ts L152-168): it moves to `kernel/chat/channel-state.ts` and gains `pausedUntil`/`pause`.
- `bot/pending-choices.ts` implements the WeChat adapter's `ChoiceMemory` over `linli.pending_choices`: it moves to
  `channels/wechat/` (move-map).

### 4.5 Tests not built from the production composition

- `createServices(db, {})` without queue/outbox — the reason for §4.1's nullables: `test/http/health.test.ts:23,68,90`,
  `test/flows/engine.test.ts:95`, `test/flows/turn-path.test.ts:42`, `test/queue/party-worker.test.ts:43`,
  `test/queue/backend.test.ts:122`, `test/bot/inbound-dispatcher.test.ts:45`, `test/support/app.ts:31`,
  `test/domain/evaluations.test.ts:72,194,255`, `test/domain/votes.test.ts:31,361,411,453`,
  `test/domain/bulk-escalation.test.ts:19`.
- Hand-wired stacks: `test/support/wechat-linli.ts:66-110` (Outbox, createServices, FlowEngine, InboundDispatcher
  with its own `next` chain, outbound worker), `test/flows/engine.test.ts` (InboundDispatcher + FlowEngine),
  `bench/flow-steps.ts`; services constructed by hand in `test/domain/{bulk-escalation,complaints,votes,party,
  evaluations,reminders}.test.ts` and `test/queue/party-worker.test.ts`; chat handlers (`VoteChatActions`,
  `ReminderChatActions`, `PartyChatActions`) passed in as `handlers` by three e2e tests.
- → `test/support/linli.ts`: `composeLinli({db, queues, clock?, only?: ModuleName[]})` = the same `buildModules(MODULES,
  deps)` the runtime uses (optionally without workers), returning `{modules, dispatcher, engine, outbox}`;
  `app.ts`, `wechat-linli.ts` and the bench use it. A test that needs a fake clock passes `clock`; one that wants
  "no notifications" asserts on the outbox rows instead of switching notifiers off.

### 4.6 Paths to rewrite outside src/ and test/

`bench/*.ts` import 24 src paths (config, db/connect, db/db, db/migrate, queue/backend, queue/names,
queue/workers/deadline.worker, bot/*, domain/complaints/complaint-service, domain/principal, flows/*, runtime,
services): rewrite with move-map.tsv. `package.json` `build` copies `src/db/migrations` (unchanged path); `kernel/db/migrate.ts`
must resolve `new URL('../../db/migrations/', import.meta.url)` (today `./migrations/`, migrate.ts L16), in src and in dist.
"""

if __name__ == '__main__':
    sys.exit(main())
