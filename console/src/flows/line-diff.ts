/** One line of a diff: kept (` `), removed from the old text (`-`) or added in the new (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** line numbers in the old and the new text (1-based), where the line is there */
  a?: number;
  b?: number;
}

/**
 * A line diff of two texts: the longest common subsequence of their lines (after the common head
 * and tail are set aside), the rest as removals then additions.
 */
export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  // lcs[i][j]: the LCS length of am[i..] and bm[j..]
  const n = am.length;
  const m = bm.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i]!;
    const below = lcs[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = am[i] === bm[j] ? below[j + 1]! + 1 : Math.max(below[j]!, row[j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let la = 1;
  let lb = 1;
  for (let k = 0; k < head; k++) out.push({ op: ' ', text: a[k]!, a: la++, b: lb++ });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      out.push({ op: ' ', text: am[i]!, a: la++, b: lb++ });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      out.push({ op: '-', text: am[i]!, a: la++ });
      i++;
    } else {
      out.push({ op: '+', text: bm[j]!, b: lb++ });
      j++;
    }
  }
  for (let k = a.length - tail; k < a.length; k++) out.push({ op: ' ', text: a[k]!, a: la++, b: lb++ });
  return out;
}

/** The changed lines with `context` kept lines around each change; gaps as null. */
export function hunks(diff: DiffLine[], context = 3): (DiffLine | null)[] {
  const keep = new Array<boolean>(diff.length).fill(false);
  diff.forEach((d, i) => {
    if (d.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(diff.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffLine | null)[] = [];
  diff.forEach((d, i) => {
    if (keep[i]) out.push(d);
    else if (out.length === 0 || out[out.length - 1] !== null) out.push(null);
  });
  if (out[out.length - 1] === null) out.pop();
  return out;
}
