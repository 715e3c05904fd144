/**
 * Requests for the HTTP fuzz test (test/http/fuzz.test.ts), generated with fast-check from the
 * OpenAPI document the app serves. Each request of an operation fits its schemas (so it gets past
 * validation into the services, with ids of rows that mostly exist) except for at most one fault:
 * text the database cannot store somewhere, a bad path segment (not an id, raw percent-encoded
 * bytes), a bad query value (edge values, raw bytes, repeated or unknown keys), or a bad body
 * (1–2 mutations: an edge value anywhere, a missing or an extra field; or a body that is empty,
 * broken JSON, of the wrong type or of the wrong content type).
 */
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  nullable?: boolean;
}

export interface Operation {
  method: string;
  /** the OpenAPI path, `{name}` for each path parameter */
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  /** the application/json body schema, if the operation takes a body */
  body?: JsonSchema;
}

export interface FuzzRequest {
  method: string;
  /** already encoded: path segments and query values as sent on the wire */
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** which token sends it */
  as: 'superuser' | 'compoundAdmin' | 'viewer';
}

/** Every operation of an OpenAPI 3 document. */
export function operationsOf(doc: {
  paths: Record<string, Record<string, Record<string, unknown>>>;
}): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = ((op.parameters ?? []) as Operation['params']).filter(
        (p) => p.in === 'path' || p.in === 'query',
      );
      const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)
        ?.content;
      const body = content?.['application/json']?.schema;
      ops.push({ method: method.toUpperCase(), path, params, ...(body ? { body } : {}) });
    }
  }
  return ops;
}

// ---- edge values -----------------------------------------------------------------------------

/** Strings PostgreSQL cannot store, or that parsers and casts trip over. */
export const EDGE_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '😀',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e309',
  'NaN',
  'null',
  'true',
  '99999999999999999999',
  '9223372036854775808',
  '2147483648',
  '-200000-01-01',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01',
  '9999-99-99',
  "' OR 1=1 --",
  '%00',
  '\u202e\ufeff\uffff',
  'x'.repeat(5000),
];

export const EDGE_NUMBERS = [
  0,
  -1,
  -0,
  1.5,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 53,
  2 ** 63,
  Number.MAX_SAFE_INTEGER,
  1e-10,
  999999,
];

const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...EDGE_STRINGS),
  fc.constantFrom(...EDGE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { '\u0000': 1 }, { '\ud800': 'x' }),
  fc.string({ maxLength: 10, unit: 'binary' }),
);

/** Path segments: ids that are not ids, and bytes that are not text. Already percent-encoded. */
const EDGE_SEGMENTS = [
  'abc',
  '-1',
  '0',
  '1.5',
  '1e3',
  '0x10',
  '%201',
  '99999999999999999999',
  '9223372036854775807',
  '9223372036854775808',
  '2147483648',
  '9007199254740991',
  '%00',
  'a%00b',
  '%ED%A0%80', // a lone surrogate as CESU-8 bytes: not UTF-8
  '%C0%80', // overlong NUL
  '%FF',
  '%',
  '%E4%B8',
  '..',
  '%2F',
  'x'.repeat(300),
];

/** Query values as sent on the wire (already encoded), beside the encoded edge strings. */
const RAW_QUERY_VALUES = ['%00', 'a%00', '%ED%A0%80', '%ED%B0%80', '%C0%80', '%FF', '%', '%E4%B8', ''];

// ---- values that fit a schema ------------------------------------------------------------------

const DATE_NAME = /(^|_)(at|date|from|to|on)$|At$|On$|Date$|^from$|^to$|^(start|end)_date$/;

const dateish = fc.oneof(
  fc.constantFrom(
    '2026-03-01',
    '2026-03-01T08:00:00+08:00',
    '2030-12-31T23:59:59Z',
    '2020-01-01T00:00:00Z',
    '-200000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '0001-01-01',
    '1969-12-31',
    'yesterday',
  ),
  fc
    .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
);

/**
 * A value the schema accepts (most of the time: patterns and formats are approximated), so the
 * request reaches the service. `ids` are the ids to use for `…Id` fields: existing rows mostly.
 */
export function fitting(
  schema: JsonSchema,
  name: string,
  ids: fc.Arbitrary<number>,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => fitting(s, name, ids, depth)));
  const nullable = (a: fc.Arbitrary<unknown>) => (schema.nullable ? fc.oneof(a, fc.constant(null)) : a);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number': {
      if (/Ids?$|^id$/.test(name)) return nullable(ids);
      const min =
        typeof schema.minimum === 'number' ? schema.minimum + (schema.exclusiveMinimum ? 1 : 0) : -5;
      const max = Math.min(schema.maximum ?? 1000, min + 1000);
      return nullable(type === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }));
    }
    case 'boolean':
      return nullable(fc.boolean());
    case 'string': {
      if (name === 'api_key') return fc.constantFrom('@compoundAdmin', '@viewer', '@superuser', 'nope');
      if (schema.pattern) return nullable(fc.stringMatching(new RegExp(schema.pattern)));
      if (DATE_NAME.test(name)) return nullable(dateish);
      if (/phone/i.test(name)) return nullable(fc.constantFrom('13900000001', '13800138000', '13700137000'));
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 12, 12));
      return nullable(
        fc.oneof(
          fc.string({ minLength, maxLength }),
          fc.constantFrom('阳光小区', '1栋', '张伟', 'repairs', 'noise', 'complaint'),
        ),
      );
    }
    case 'array': {
      const item = schema.items
        ? fitting(schema.items, singular(name), ids, depth + 1)
        : fc.jsonValue({ maxDepth: 1 });
      const minLength = schema.minItems ?? 0;
      return nullable(
        fc.array(item, { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, 3)) }),
      );
    }
    case 'object': {
      const props = schema.properties ?? {};
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, s] of Object.entries(props)) record[key] = fitting(s, key, ids, depth + 1);
      const base = fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
      const extra = schema.additionalProperties;
      if (extra && typeof extra === 'object' && depth < 4) {
        const more = fc.dictionary(
          fc.constantFrom('zh-CN', 'en', 'compound', 'community', 'repairs', 'service', 'x'),
          fitting(extra, 'value', ids, depth + 1),
          { maxKeys: 3 },
        );
        return nullable(fc.tuple(base, more).map(([a, b]) => ({ ...b, ...a })));
      }
      return nullable(base);
    }
    default:
      // an untyped schema: z.coerce.date() and z.unknown() both come out as {}
      if (DATE_NAME.test(name)) return dateish;
      return depth > 2 ? fc.jsonValue({ maxDepth: 1 }) : fc.jsonValue({ maxDepth: 3 });
  }
}

const singular = (name: string) => name.replace(/s$/, '');

// ---- mutations ---------------------------------------------------------------------------------

type Mutation = { at: number; kind: number; edge: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.nat({ max: 6 }),
  edge: edgeValue,
});

const EXTRA_KEYS = ['extra', '\u0000', '\ud800', '__proto__', 'constructor', 'a.b', ''];

/** `value` with one mutation applied at one of its nodes (chosen by `m.at`). */
export function mutate(value: unknown, m: Mutation): unknown {
  const root = { v: structuredClone(value) };
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (parent: Record<string, unknown> | unknown[], key: string | number) => {
    nodes.push({ parent, key });
    const v = (parent as Record<string | number, unknown>)[key];
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(v, i);
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) walk(v as Record<string, unknown>, k);
  };
  walk(root, 'v');
  const node = nodes[m.at % nodes.length]!;
  const target = node.parent as Record<string | number, unknown>;
  const current = target[node.key];
  switch (m.kind) {
    case 0: // delete a field (or an array element)
      if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1);
      else if (node.parent !== root) delete target[node.key];
      else target[node.key] = m.edge;
      break;
    case 1: // an extra field
      if (current && typeof current === 'object' && !Array.isArray(current)) {
        Object.defineProperty(current, EXTRA_KEYS[m.at % EXTRA_KEYS.length]!, {
          value: m.edge,
          enumerable: true,
          configurable: true,
          writable: true,
        });
      } else if (Array.isArray(current)) current.push(m.edge);
      else target[node.key] = m.edge;
      break;
    case 2:
    case 3: {
      // text PostgreSQL cannot store, inside one of the strings anywhere in the value
      const strings = nodes.filter(
        (n) => typeof (n.parent as Record<string | number, unknown>)[n.key] === 'string',
      );
      const bad = m.at % 3 === 0 ? '\u0000' : m.at % 3 === 1 ? '\ud800' : '\udc00x';
      const s = strings[m.at % Math.max(1, strings.length)];
      if (s) {
        const p = s.parent as Record<string | number, unknown>;
        const v = p[s.key] as string;
        p[s.key] = `${v.slice(0, v.length >> 1)}${bad}${v.slice(v.length >> 1)}`;
      } else target[node.key] = bad;
      break;
    }
    default: // an edge value instead
      target[node.key] = m.edge;
  }
  return root.v;
}

// ---- whole requests ----------------------------------------------------------------------------

/** Percent-encodes like a browser; a lone surrogate (no UTF-8 exists) as the CESU-8 bytes some clients send. */
export const enc = (v: unknown): string => {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) {
      const bytes = [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
};

type Body = { payload?: string; contentType?: string };

/**
 * What is wrong with a request: nothing (to reach the services and write), text the database
 * cannot store somewhere in it, or one fault in its path, its query or its body. One at a time,
 * so the rest of the request fits and the fault meets the code behind validation.
 */
type Fault = 'none' | 'unstorable' | 'path' | 'query' | 'body';

const UNSTORABLE = ['a\u0000b', '\u0000', '\ud800', 'x\udc00', '\ud83d!'];

const BROKEN_BODIES: Body[] = [
  {},
  { payload: '', contentType: 'application/json' },
  { payload: '{', contentType: 'application/json' },
  { payload: 'null', contentType: 'application/json' },
  { payload: '[]', contentType: 'application/json' },
  { payload: '"x"', contentType: 'application/json' },
  { payload: '0', contentType: 'application/json' },
  { payload: '{"a":"\\u0000"}', contentType: 'application/json' },
  { payload: '{"\\ud800":1}', contentType: 'application/json' },
  { payload: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' },
  { payload: 'a,b\n\u0000,2\n', contentType: 'text/csv' },
  {
    payload: 'building,unit,room,area,owner_name,owner_phone,voter\n1栋,1,1\ud800,50,张\u0000伟,,\n',
    contentType: 'text/csv',
  },
  { payload: 'name=a%00b&orgId=abc', contentType: 'application/x-www-form-urlencoded' },
  { payload: '<x/>', contentType: 'application/xml' },
];

const json = (v: unknown): Body => ({ payload: JSON.stringify(v), contentType: 'application/json' });

const form = (v: unknown): Body => {
  const pairs =
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v).map(([k, x]) => `${enc(k)}=${enc(x)}`)
      : [`v=${enc(v)}`];
  return { payload: pairs.join('&'), contentType: 'application/x-www-form-urlencoded' };
};

/** The requests for one operation; `samples` are known good bodies (fitting ones are added). */
export function requestsFor(
  op: Operation,
  ids: fc.Arbitrary<number>,
  samples: unknown[] = [],
): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const takesBody = op.body !== undefined || op.method !== 'GET';
  const open311 = op.path.startsWith('/open311');
  const schemaBody = op.body ? fitting(op.body, 'body', ids) : fc.constant({});
  const goodBody = samples.length ? fc.oneof(schemaBody, fc.constantFrom(...samples)) : schemaBody;
  const faults: Fault[] = ['none', 'unstorable'];
  if (pathParams.length) faults.push('path');
  if (queryParams.length) faults.push('query');
  if (takesBody) faults.push('body');

  return fc
    .record({
      fault: fc.constantFrom(...faults),
      path: fc.tuple(...pathParams.map((p) => fitting(p.schema, p.name, ids))),
      query: fc.tuple(
        ...queryParams.map((p) => fc.option(fitting(p.schema, p.name, ids), { nil: undefined })),
      ),
      body: goodBody,
      asForm: fc.boolean(),
      pick: fc.nat(),
      segment: fc.oneof(
        fc.constantFrom(...EDGE_SEGMENTS),
        fc.constantFrom(...EDGE_STRINGS).map(enc),
        fc.constantFrom(...UNSTORABLE).map(enc),
      ),
      queryFault: fc.oneof(
        fc.constantFrom(...EDGE_STRINGS).map(enc),
        fc.constantFrom(...RAW_QUERY_VALUES),
        fc.constant('1&$=2'),
      ),
      extraQuery: fc.constantFrom('extra=1', '%00=1', 'a[b]=1', '__proto__=1', 'x=%ED%A0%80'),
      bodyFault: fc.oneof(
        fc.array(mutation, { minLength: 1, maxLength: 2 }).map((ms) => ({ mutations: ms })),
        fc.constantFrom(...BROKEN_BODIES).map((broken) => ({ broken })),
      ),
      unstorable: fc.constantFrom(...UNSTORABLE),
      as: fc.constantFrom<FuzzRequest['as']>(
        'superuser',
        'superuser',
        'superuser',
        'compoundAdmin',
        'viewer',
      ),
    })
    .map((g) => {
      const segments = g.path.map(enc);
      const query: [string, string][] = [];
      queryParams.forEach((p, i) => {
        const v = g.query[i];
        if (v !== undefined) query.push([p.name, enc(v)]);
      });
      let body: Body = {};
      let value: unknown = g.body;
      switch (g.fault) {
        case 'path':
          segments[g.pick % segments.length] = g.segment;
          break;
        case 'query':
          if (g.pick % 4 === 0) query.push(g.extraQuery.split('=') as [string, string]);
          else {
            const p = queryParams[g.pick % queryParams.length]!;
            const at = query.findIndex(([k]) => k === p.name);
            const pair: [string, string] = [p.name, g.queryFault.replace('$', p.name)];
            if (at >= 0) query[at] = pair;
            else query.push(pair);
          }
          break;
        case 'body':
          if ('broken' in g.bodyFault) body = g.bodyFault.broken;
          else value = g.bodyFault.mutations.reduce(mutate, value);
          break;
        case 'unstorable': {
          // in the body when there is one, else a query value, else a path segment
          const where = takesBody ? 'body' : queryParams.length ? 'query' : 'path';
          if (where === 'body') value = mutate(value, { at: g.pick, kind: 2, edge: null });
          else if (where === 'query') {
            const p = queryParams[g.pick % queryParams.length]!;
            query.push([p.name, enc(g.unstorable)]);
          } else segments[g.pick % segments.length] = enc(g.unstorable);
          break;
        }
      }
      if (takesBody && body.payload === undefined && !(g.fault === 'body' && 'broken' in g.bodyFault)) {
        body = open311 && g.asForm ? form(value) : json(value);
      }
      const path = pathParams.reduce((p, param, i) => p.replace(`{${param.name}}`, segments[i]!), op.path);
      const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
      const request: FuzzRequest = {
        method: op.method,
        url: qs ? `${path}?${qs}` : path,
        headers: body.contentType ? { 'content-type': body.contentType } : {},
        as: g.as,
      };
      if (body.payload !== undefined) request.payload = body.payload;
      return request;
    });
}
