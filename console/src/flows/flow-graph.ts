/**
 * The steps of a flow and their arrows (next, branch cases, otherwise, onError), laid out for a
 * small SVG: steps top to bottom in their order, an arrow to the step just below drawn straight,
 * others as lanes on the right (forward) or the left (back).
 */
export interface GraphStep {
  id: string;
  type: string;
  /** what the step does, in a few words (its input, action…) */
  detail: string;
}
export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  /** the target is not a step of the flow */
  missing: boolean;
}
export interface FlowGraph {
  start?: string;
  steps: GraphStep[];
  edges: GraphEdge[];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** The graph of a definition as the editor holds it (any JSON: what is not a step is skipped). */
export function flowGraph(def: unknown): FlowGraph {
  if (!isObj(def) || !Array.isArray(def.steps)) return { steps: [], edges: [] };
  const steps: GraphStep[] = [];
  const raw: { from: string; to: string; label?: string }[] = [];
  for (const s of def.steps) {
    if (!isObj(s)) continue;
    const id = str(s.id) ?? '?';
    const type = str(s.type) ?? '?';
    const detail = type === 'ask' ? (str(s.input) ?? '') : type === 'action' ? (str(s.action) ?? '') : '';
    steps.push({ id, type, detail });
    const next = str(s.next);
    if (next) raw.push({ from: id, to: next });
    const onError = str(s.onError);
    if (onError) raw.push({ from: id, to: onError, label: 'onError' });
    if (Array.isArray(s.cases)) {
      for (const c of s.cases) {
        if (!isObj(c) || !str(c.next)) continue;
        raw.push({ from: id, to: str(c.next)!, label: caseLabel(c.when) });
      }
    }
    const otherwise = str(s.otherwise);
    if (otherwise) raw.push({ from: id, to: otherwise, label: 'otherwise' });
  }
  const ids = new Set(steps.map((s) => s.id));
  return {
    start: str(def.start),
    steps,
    edges: raw.map((e) => ({ ...e, missing: !ids.has(e.to) })),
  };
}

function caseLabel(when: unknown): string {
  if (!isObj(when)) return '';
  const what = str(when.answer) ?? str(when.context) ?? '';
  if ('equals' in when) return `${what}=${String(when.equals)}`;
  if (Array.isArray(when.in)) return `${what}∈[${when.in.join(',')}]`;
  if ('exists' in when) return `${what}${when.exists ? '' : ' !'}exists`;
  return what;
}

export const BOX_W = 190;
export const BOX_H = 40;
export const ROW = 64;
const LANE = 14;

export interface Layout {
  width: number;
  height: number;
  boxX: number;
  boxes: (GraphStep & { x: number; y: number; start: boolean })[];
  paths: { d: string; label?: string; lx: number; ly: number; missing: boolean; key: string }[];
}

/** Positions of the boxes and the arrows' paths (SVG `d`) of a graph. */
export function layout(g: FlowGraph): Layout {
  const index = new Map(g.steps.map((s, i) => [s.id, i] as const));
  const y = (i: number) => 24 + i * ROW;
  const side = g.edges.filter((e) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    return e.missing || a === undefined || b === undefined || b !== a + 1;
  });
  const back = side.filter((e) => !e.missing && (index.get(e.to) ?? 0) <= (index.get(e.from) ?? 0));
  const leftLanes = back.length;
  const boxX = 24 + leftLanes * LANE;
  const right = boxX + BOX_W;
  const boxes = g.steps.map((s, i) => ({ ...s, x: boxX, y: y(i), start: s.id === g.start }));
  const paths: Layout['paths'] = [];
  let rightLane = 0;
  let leftLane = 0;
  let maxX = right + 40;
  g.edges.forEach((e, k) => {
    const a = index.get(e.from);
    if (a === undefined) return;
    const b = index.get(e.to);
    const y0 = y(a) + BOX_H;
    const key = `${k}:${e.from}->${e.to}`;
    if (b === a + 1) {
      const x = boxX + BOX_W / 2;
      paths.push({
        d: `M${x},${y0} L${x},${y(b)}`,
        label: e.label,
        lx: x + 4,
        ly: y0 + 14,
        missing: false,
        key,
      });
      return;
    }
    if (e.missing || b === undefined) {
      // an arrow out to the right ending in a cross: the target is not a step
      const ym = y(a) + BOX_H / 2;
      const x1 = right + 60;
      maxX = Math.max(maxX, x1 + 120);
      paths.push({
        d: `M${right},${ym} L${x1},${ym}`,
        label: `${e.label ? `${e.label} → ` : ''}${e.to} ?`,
        lx: x1 + 6,
        ly: ym + 4,
        missing: true,
        key,
      });
      return;
    }
    if (b > a) {
      const lane = right + 16 + rightLane++ * LANE;
      maxX = Math.max(maxX, lane + 90);
      const ya = y(a) + BOX_H / 2 + 4;
      const yb = y(b) + BOX_H / 2 - 4;
      paths.push({
        d: `M${right},${ya} L${lane},${ya} L${lane},${yb} L${right + 2},${yb}`,
        label: e.label,
        // by the arrow's head: arrows leaving one step (a branch's cases) end at different steps
        lx: lane + 4,
        ly: yb + 4,
        missing: false,
        key,
      });
    } else {
      const lane = boxX - 10 - leftLane++ * LANE;
      const ya = y(a) + BOX_H / 2 + 4;
      const yb = y(b) + BOX_H / 2 - 4;
      paths.push({
        d: `M${boxX},${ya} L${lane},${ya} L${lane},${yb} L${boxX - 2},${yb}`,
        label: e.label,
        lx: boxX + 4,
        ly: ya + 14,
        missing: false,
        key,
      });
    }
  });
  return { width: maxX, height: 24 + g.steps.length * ROW, boxX, boxes, paths };
}
