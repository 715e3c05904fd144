import type { components, paths } from './schema';

/** The JSON body of a 200 answer of GET `P`. */
export type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer B } } } };
}
  ? B
  : never;

export type Org = Ok<'/api/v1/orgs/{id}'>;
export type Delivery = Ok<'/api/v1/deliveries'>['items'][number];
export type AuditEntry = Ok<'/api/v1/audit'>['items'][number];
export type Chat = Ok<'/api/v1/orgs/{id}/chats'>['items'][number];
export type ComplaintQuery = NonNullable<paths['/api/v1/complaints']['get']['parameters']['query']>;
export type ComplaintActionBody = paths['/api/v1/complaints/{id}/actions']['post']['requestBody'] extends
  | { content: { 'application/json': infer B } }
  | undefined
  ? B
  : never;

/** The named shapes of the document (`components/schemas`, `.meta({ id })` beside their zod schema). */
export type Schemas = components['schemas'];
export type Complaint = Schemas['Complaint'];
export type ComplaintEvent = Schemas['ComplaintEvent'];
export type ComplaintDetail = Schemas['ComplaintDetail'];
