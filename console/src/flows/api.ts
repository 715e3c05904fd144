import { ApiError, api, must } from '../api/client';
import type { Schemas } from '../api/types';

/** The flows API's shapes (docs/openapi.json `components/schemas`). */
export type FlowSummary = Schemas['FlowSummary'];
export type FlowDraftSummary = Schemas['FlowDraftSummary'];
export type Flow = Schemas['Flow'];
export type FlowVersion = Schemas['FlowVersion'];
export type FlowVersionDetail = Schemas['FlowVersionDetail'];
export type FlowSimulation = Schemas['FlowSimulation'];
export type FlowDefinition = Schemas['FlowDefinition'];
export type Problem = { field?: string; message: string };

/** `orgId` as the API's query: none means a scoped token's own org, or the global flows. */
const q = (orgId: number | null) => (orgId ? { orgId } : {});

export const listFlows = (orgId: number | null) =>
  must(api.GET('/api/v1/flows', { params: { query: q(orgId) } }));

export const getFlow = (key: string, orgId: number | null) =>
  must(api.GET('/api/v1/flows/{key}', { params: { path: { key }, query: q(orgId) } }));

/** PUT the editor's JSON as the draft (the server checks it: 422 with every problem). */
export const saveDraft = (key: string, orgId: number | null, body: unknown) =>
  must(
    api.PUT('/api/v1/flows/{key}', {
      params: { path: { key }, query: q(orgId) },
      // the body is whatever the editor holds: the server checks it and answers by step and field
      body: body as FlowDefinition,
    }),
  );

export const publishFlow = (key: string, orgId: number | null) =>
  must(api.POST('/api/v1/flows/{key}/publish', { params: { path: { key }, query: q(orgId) } }));

export const listVersions = (key: string, orgId: number | null) =>
  must(api.GET('/api/v1/flows/{key}/versions', { params: { path: { key }, query: q(orgId) } }));

export const getVersion = (key: string, version: number, orgId: number | null) =>
  must(
    api.GET('/api/v1/flows/{key}/versions/{version}', {
      params: { path: { key, version }, query: q(orgId) },
    }),
  );

export interface SimulateInput {
  answers: string[];
  locale: 'zh-CN' | 'en';
  chatKind: 'private' | 'group';
  definition?: unknown;
}
export const simulateFlow = (key: string, orgId: number | null, body: SimulateInput) =>
  must(
    api.POST('/api/v1/flows/{key}/simulate', {
      params: { path: { key }, query: q(orgId) },
      body: { ...body, definition: body.definition as FlowDefinition | undefined },
    }),
  );

/** An error in the page's language (see api/errors.ts). */
export { errorHeadline, errorText } from '../api/errors';

/** The step-level problems of a 422 `invalid_flow`, else null. */
export function flowProblems(err: unknown): Problem[] | null {
  if (err instanceof ApiError && err.status === 422 && err.body) return err.body.error.details;
  return null;
}
