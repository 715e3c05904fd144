"""Crude outline of a TypeScript file: top-level declarations and class members with line ranges.

usage: python3 outline.py FILE...   (ranges run to the line before the next declaration)
"""
import re, sys

TOP = re.compile(r'^(?:export\s+)?(?:default\s+)?(?:async\s+)?(function|class|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)')
MEMBER = re.compile(r'^  (?:(?:private|public|protected|static|readonly|async|get|set)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*[(=:]')
DOC = re.compile(r'^\s*(/\*\*|\*|//)')

def outline(path):
    lines = open(path).read().split('\n')
    n = len(lines)
    marks = []  # (line, depth, kind, name)
    in_class = False
    for i, l in enumerate(lines, 1):
        m = TOP.match(l)
        if m:
            marks.append((i, 0, m.group(1), m.group(2)))
            in_class = m.group(1) == 'class'
            continue
        if l.startswith('}'):
            if in_class:
                marks.append((i, 0, 'end', ''))
            in_class = False
            continue
        if in_class:
            mm = MEMBER.match(l)
            if mm and mm.group(1) not in ('if', 'for', 'return', 'await', 'const', 'let', 'while', 'switch'):
                marks.append((i, 1, 'member', mm.group(1)))
    # a declaration starts at its doc comment
    def start(i):
        j = i - 1
        while j >= 1 and DOC.match(lines[j - 1]) and lines[j - 1].strip():
            j -= 1
        return j + 1
    out = []
    for k, (i, depth, kind, name) in enumerate(marks):
        if kind == 'end':
            continue
        nxt = next((m for m in marks[k + 1:] if m[1] <= depth or (depth == 1 and m[2] == 'end')), None)
        if nxt is None:
            end = n
        elif nxt[2] == 'end':
            end = nxt[0] - 1 if depth == 1 else nxt[0]
        else:
            end = start(nxt[0]) - 1
        s = start(i)
        out.append((s, end, depth, kind, name))
    return n, out

if __name__ == '__main__':
    for p in sys.argv[1:]:
        n, out = outline(p)
        print(f'## {p} ({n} lines)')
        for s, e, d, kind, name in out:
            print(f"{'    ' * d}{s:>4}-{e:<4} ({e - s + 1:>3}) {kind} {name}")
