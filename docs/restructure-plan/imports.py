"""Parses the import statements of every file under /work/main/{src,test,bench}, applies the move
map (movemap.py) and classifies each import edge under the layering rules of plan 13.

usage: python3 imports.py [--raw]    (--raw prints every violating edge, one a line)

Imported as a library by violations.py.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from movemap import MOVES, ROOT  # noqa: E402

# `import … from 'x'`, `import type … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`
STATIC = re.compile(
    r"""^[ \t]*(import|export)\s+(type\s+)?([^'";]*?)\s*\bfrom\s*['"]([^'"]+)['"]""", re.M | re.S)
BARE = re.compile(r"""^[ \t]*import\s+['"]([^'"]+)['"]""", re.M)
DYNAMIC = re.compile(r"""\bimport\(\s*['"]([^'"]+)['"]\s*\)""")
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)


@dataclass
class Edge:
    src: str            # importer, old path
    line: int
    spec: str           # the specifier as written
    target: str | None  # resolved old path (None: a package)
    names: list[str] = field(default_factory=list)
    type_only: bool = False
    dynamic: bool = False

    @property
    def new_src(self) -> str:
        return MOVES.get(self.src, self.src)

    @property
    def new_target(self) -> str | None:
        return None if self.target is None else MOVES.get(self.target, self.target)


def strip_comments(text: str) -> str:
    # keep line numbers: replace comments by as many newlines as they spanned (strings with // are
    # rare in import lines; the import regexes only look at statement starts)
    return COMMENT.sub(lambda m: '\n' * m.group(0).count('\n'), text)


def parse_names(clause: str) -> tuple[list[str], bool]:
    """Names an import clause binds: `{ a, type B, c as d }`, `X`, `* as ns`, `X, { y }`."""
    names: list[str] = []
    all_types = True
    clause = clause.strip()
    brace = re.search(r'\{(.*)\}', clause, re.S)
    if brace:
        for part in brace.group(1).split(','):
            part = part.strip()
            if not part:
                continue
            is_type = part.startswith('type ')
            part = part[5:].strip() if is_type else part
            all_types &= is_type
            names.append(part.split(' as ')[0].strip() + (' (type)' if is_type else ''))
        clause = clause[:brace.start()] + clause[brace.end():]
    rest = clause.strip().strip(',').strip()
    if rest:
        all_types = False
        if rest.startswith('*'):
            names.append(rest)
        elif rest:
            names.append(f'default as {rest}')
    return names, all_types and bool(names)


def resolve(importer: str, spec: str) -> str | None:
    if not spec.startswith('.'):
        return None
    base = os.path.normpath(os.path.join(os.path.dirname(importer), spec))
    cands = [base]
    if base.endswith('.js'):
        cands.insert(0, base[:-3] + '.ts')
    cands += [base + '.ts', os.path.join(base, 'index.ts')]
    for c in cands:
        if os.path.isfile(os.path.join(ROOT, c)):
            return c
    return base  # unresolved: reported as such


def edges_of(path: str) -> list[Edge]:
    raw = open(os.path.join(ROOT, path), encoding='utf8').read()
    text = strip_comments(raw)
    out: list[Edge] = []
    for m in STATIC.finditer(text):
        kind, type_kw, clause, spec = m.groups()
        names, all_types = parse_names(clause)
        if kind == 'export' and clause.strip() == '*':
            names = ['*']
        line = text.count('\n', 0, m.start(4)) + 1
        out.append(Edge(path, line, spec, resolve(path, spec), names, bool(type_kw) or all_types))
    for m in BARE.finditer(text):
        out.append(Edge(path, text.count('\n', 0, m.start()) + 1, m.group(1), resolve(path, m.group(1))))
    for m in DYNAMIC.finditer(text):
        out.append(Edge(path, text.count('\n', 0, m.start()) + 1, m.group(1), resolve(path, m.group(1)),
                        dynamic=True))
    return out


def all_sources() -> list[str]:
    out = []
    for top in ('src', 'test', 'bench'):
        for d, dirs, fs in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [x for x in dirs if x != 'node_modules']
            for f in fs:
                if f.endswith('.ts'):
                    out.append(os.path.relpath(os.path.join(d, f), ROOT))
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# zones and rules

def zone(path: str) -> tuple[str, str]:
    """(layer, unit): ('kernel','chat'), ('module','votes'), ('flows',''), ('channels','telegram'),
    ('http',''), ('app',''), ('main',''), ('test', …), ('bench','')."""
    p = path.split('/')
    if p[0] == 'bench':
        return 'bench', ''
    if p[0] == 'test':
        if len(p) > 2 and p[1] == 'modules':
            return 'test', f'modules/{p[2]}'
        return 'test', p[1] if len(p) > 2 else ''
    if path == 'src/main.ts':
        return 'main', ''
    if p[1] == 'kernel':
        return 'kernel', p[2] if len(p) > 3 else ''
    if p[1] == 'modules':
        return 'module', p[2]
    if p[1] in ('flows', 'channels', 'http', 'app', 'db'):
        return p[1], (p[2] if p[1] == 'channels' and len(p) > 3 else '')
    return 'other', ''


# what each layer may import (besides itself); modules may import other modules only via index.ts
ALLOWED = {
    'kernel': {'kernel'},
    'channels': {'kernel', 'channels'},
    'flows': {'kernel', 'flows'},
    'http': {'kernel', 'flows', 'channels', 'http'},
    'module': {'kernel', 'flows', 'http', 'module'},
    'app': {'kernel', 'flows', 'channels', 'http', 'module', 'app', 'db'},
    'main': {'app', 'kernel'},
}


def violation(e: Edge) -> str | None:
    """The kind of rule an edge breaks after the move, or None."""
    if e.new_target is None:
        return None
    s_layer, s_unit = zone(e.new_src)
    t_layer, t_unit = zone(e.new_target)
    if s_layer in ('test', 'bench'):
        if t_layer == 'module' and s_layer == 'test' and s_unit.startswith('modules/'):
            own = s_unit.split('/')[1]
            if t_unit != own and not e.new_target.endswith(f'/{t_unit}/index.ts'):
                return 'test: module test → another module\'s internals'
        return None
    if s_layer == 'channels' and t_layer == 'channels' and s_unit and t_unit and s_unit != t_unit:
        return 'channels: one channel → another channel'
    if t_layer not in ALLOWED.get(s_layer, set()):
        return f'{s_layer} → {t_layer}'
    if s_layer == 'module' and t_layer == 'module' and s_unit != t_unit:
        if not e.new_target.endswith(f'src/modules/{t_unit}/index.ts'):
            return 'module → another module\'s internals'
    return None


def analyse():
    edges = [e for f in all_sources() for e in edges_of(f)]
    return edges, [(violation(e), e) for e in edges if violation(e)]


if __name__ == '__main__':
    edges, bad = analyse()
    unresolved = [e for e in edges if e.target and not os.path.isfile(os.path.join(ROOT, e.target))]
    print(f'{len(edges)} import edges, {len(bad)} violations, {len(unresolved)} unresolved')
    for e in unresolved:
        print('UNRESOLVED', e.src, e.line, e.spec)
    if '--raw' in sys.argv:
        for kind, e in sorted(bad, key=lambda x: (x[0], x[1].new_src, x[1].line)):
            print(f'{kind}\t{e.new_src}:{e.line}\t{e.new_target}\t{", ".join(e.names)}')
