"""Which file's SQL touches which module's tables (linli.<table>), after the move.

Imported by violations.py; `python3 sqlscan.py` prints the cross-owner references.
"""
import os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from movemap import MOVES, ROOT
from imports import zone

OWNER = {
    'orgs': 'module:orgs',
    'people': 'module:people', 'identities': 'module:people', 'role_assignments': 'module:people',
    'units': 'module:units', 'unit_owners': 'module:units', 'unit_residents': 'module:units',
    'api_tokens': 'module:tokens',
    'audit_log': 'kernel:access',
    'chats': 'module:chats', 'bind_codes': 'module:chats',
    'processed_updates': 'kernel:chat', 'unbound_chat_notices': 'kernel:chat', 'failed_updates': 'kernel:chat',
    'deliveries': 'kernel:outbox',
    'channel_state': 'kernel:chat', 'pending_choices': 'channels:wechat',
    'flows': 'flows:', 'conversations': 'flows:',
    'complaints': 'module:complaints', 'escalation_policies': 'module:complaints',
    'complaint_events': 'module:complaints', 'complaint_number_seq': 'module:complaints',
    'proposals': 'module:votes', 'proposal_electorate': 'module:votes', 'ballots': 'module:votes',
    'ballot_log': 'module:votes',
    'reminders': 'module:reminders', 'reminder_occurrences': 'module:reminders',
    'reminder_receipts': 'module:reminders',
    'party_branches': 'module:party', 'party_members': 'module:party', 'party_pairings': 'module:party',
    'party_tasks': 'module:party', 'party_task_assignments': 'module:party', 'party_checkins': 'module:party',
    'property_companies': 'module:evaluations', 'property_contracts': 'module:evaluations',
    'evaluation_campaigns': 'module:evaluations', 'evaluation_targets': 'module:evaluations',
    'evaluation_responses': 'module:evaluations',
    'schema_migrations': 'kernel:db',
}
TABLE = re.compile(r'\blinli\.([a-z_]+)')


def owner_of_file(new_path):
    layer, unit = zone(new_path)
    return f'{layer}:{unit}'


def scan():
    """[(old, new, line, table, table_owner, file_owner)] for every linli.<table> in src .ts files."""
    out = []
    for old, new in sorted(MOVES.items()):
        if not old.startswith('src/') or not old.endswith('.ts'):
            continue
        for i, line in enumerate(open(os.path.join(ROOT, old), encoding='utf8'), 1):
            for m in TABLE.finditer(line):
                t = m.group(1)
                if t not in OWNER:
                    continue  # linli.lock, linli.app, … in comments and file names
                out.append((old, new, i, t, OWNER.get(t, '?'), owner_of_file(new)))
    return out


def foreign(rows):
    return [r for r in rows if r[4] != r[5] and not (r[4].startswith('channels') and r[5].startswith('channels'))]


if __name__ == '__main__':
    rows = scan()
    unknown = sorted({r[3] for r in rows if r[4] == '?'})
    print('unknown tables:', unknown)
    fr = foreign(rows)
    from collections import defaultdict
    g = defaultdict(lambda: defaultdict(list))
    for old, new, line, t, to, fo in fr:
        g[new][t].append(line)
    for new in sorted(g):
        print(new, '|', '; '.join(f'{t} ({OWNER[t]}) L{",".join(map(str, sorted(set(ls))))}' for t, ls in sorted(g[new].items())))
