import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type TransformObject = typeof jsonSchemaTransformObject;

/**
 * The document's `components/schemas`: every shape named with `.meta({ id })` beside its zod schema
 * (fastify-type-provider-zod emits each twice, as read and as written with the suffix `Input`),
 * keeping only the ones the paths reference, directly or through another component — an unused
 * twin would be noise to a reader and to a generated client.
 */
export const namedComponents: TransformObject = (document) => {
  const doc = jsonSchemaTransformObject(document) as ReturnType<TransformObject> & {
    paths?: unknown;
    components?: { schemas?: Record<string, unknown> };
  };
  const schemas = doc.components?.schemas;
  if (!schemas) return doc;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const name = value.replace('#/components/schemas/', '');
        if (!used.has(name) && name in schemas) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(doc.paths);
  doc.components!.schemas = Object.fromEntries(
    Object.entries(schemas)
      .filter(([name]) => used.has(name))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  typeNullableRefs(doc.paths, schemas);
  typeNullableRefs(doc.components!.schemas, schemas);
  return doc;
};

type Schema = {
  type?: string;
  nullable?: boolean;
  $ref?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};

/**
 * OpenAPI 3.0 has no null type: a nullable named shape comes out as `{ nullable: true, allOf: [{ $ref }] }`,
 * and 3.0 wants a `type` beside `nullable` (redocly's nullable-type-sibling). The type is the shape's
 * own (every branch's, when they agree), so this states it.
 */
function typeNullableRefs(node: unknown, schemas: Record<string, unknown>): void {
  if (node === null || typeof node !== 'object') return;
  for (const child of Object.values(node)) typeNullableRefs(child, schemas);
  const s = node as Schema;
  if (s.nullable !== true || s.type) return;
  const typeOf = (b: Schema): string | undefined =>
    b.$ref ? typeOf((schemas[b.$ref.replace('#/components/schemas/', '')] ?? {}) as Schema) : b.type;
  const branches = [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.$ref ? [s] : [])];
  const types = new Set(branches.map(typeOf));
  const only = [...types][0];
  if (types.size === 1 && only) s.type = only;
}
