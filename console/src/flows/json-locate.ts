/**
 * Where things are in a JSON text: a small parser keeping every value's and key's offsets, so the
 * server's problems (`steps.description.next`) can be shown on the lines of their step.
 */
export type JsonNode =
  | { kind: 'object'; from: number; to: number; props: JsonProp[] }
  | { kind: 'array'; from: number; to: number; items: JsonNode[] }
  | { kind: 'scalar'; from: number; to: number; value: unknown };
export interface JsonProp {
  key: string;
  keyFrom: number;
  keyTo: number;
  value: JsonNode;
}

/** The tree of `text` with offsets, or null when it is not JSON. */
export function parseWithPositions(text: string): JsonNode | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new Error('bad json');
  };
  const str = (): string => {
    const start = i;
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JsonNode => {
    ws();
    const from = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const props: JsonProp[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', from, to: i, props };
      }
      for (;;) {
        ws();
        const keyFrom = i;
        const key = str();
        const keyTo = i;
        ws();
        if (text[i] !== ':') fail();
        i++;
        props.push({ key, keyFrom, keyTo, value: value() });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', from, to: i, props };
        }
        fail();
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', from, to: i, items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', from, to: i, items };
        }
        fail();
      }
    }
    if (c === '"') return { kind: 'scalar', from, value: str(), to: i };
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) return fail();
    i += m[0].length;
    return { kind: 'scalar', from, to: i, value: JSON.parse(m[0]) };
  };
  try {
    const root = value();
    ws();
    return i === text.length ? root : null;
  } catch {
    return null;
  }
}

export interface Located {
  from: number;
  to: number;
  /** the step the field belongs to, when it is one of `steps` */
  stepId?: string;
}

/**
 * The range a problem's field names: `steps.<id>.<field>…` is looked up by the step's id (the
 * field's key and value, else the step's `id`, else the whole step), anything else from the root
 * (`key`, `start`, `triggers.0`). Falls back to the nearest enclosing value found.
 */
export function locateField(root: JsonNode | null, field: string | undefined): Located | null {
  if (root?.kind !== 'object') return null;
  const parts = (field ?? '').split('.').filter((p) => p !== '');
  let node: JsonNode = root;
  let range: Located = { from: root.from, to: Math.min(root.to, root.from + 1) };
  let stepId: string | undefined;
  if (parts[0] === 'steps' && parts.length >= 2) {
    const steps = prop(root, 'steps');
    if (steps?.value.kind === 'array') {
      stepId = parts[1];
      const step = steps.value.items.find((s) => s.kind === 'object' && scalar(s, 'id') === stepId);
      if (step?.kind !== 'object') return { from: steps.keyFrom, to: steps.keyTo, stepId };
      const id = prop(step, 'id');
      node = step;
      range = id ? { from: id.keyFrom, to: id.value.to, stepId } : { from: step.from, to: step.to, stepId };
      parts.splice(0, 2);
    }
  }
  for (const part of parts) {
    if (node.kind === 'object') {
      const p: JsonProp | undefined = prop(node, part);
      if (!p) break;
      range = { from: p.keyFrom, to: p.value.to, stepId };
      node = p.value;
    } else if (node.kind === 'array' && /^\d+$/.test(part)) {
      const item: JsonNode | undefined = node.items[Number(part)];
      if (!item) break;
      range = { from: item.from, to: item.to, stepId };
      node = item;
    } else break;
  }
  return range;
}

function prop(o: JsonNode & { kind: 'object' }, key: string): JsonProp | undefined {
  return o.props.find((p) => p.key === key);
}
function scalar(o: JsonNode & { kind: 'object' }, key: string): unknown {
  const p = prop(o, key);
  return p?.value.kind === 'scalar' ? p.value.value : undefined;
}
