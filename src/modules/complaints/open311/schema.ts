import { z } from 'zod';

/**
 * The response shapes of Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) as Linli
 * answers them (service.ts): the spec's field names and types, JSON only.
 */

/** Every Open311 error, a missing route included: the spec's list of one error. */
export const open311ErrorSchema = z
  .array(
    z.object({
      code: z.number().int().describe('the HTTP status'),
      description: z.string().describe('what is wrong; a missing or invalid field is named first'),
    }),
  )
  .describe('[{"code": <HTTP status>, "description": "..."}]');

export const open311DiscoverySchema = z.object({
  changeset: z.string().meta({ format: 'date-time' }),
  contact: z.string(),
  key_service: z.string().describe('how to get an api_key'),
  endpoints: z.array(
    z.object({
      specification: z.string(),
      url: z.string().describe('this service’s /open311/v2'),
      changeset: z.string().meta({ format: 'date-time' }),
      type: z.enum(['production', 'test']),
      formats: z.array(z.string()).describe('application/json only'),
    }),
  ),
});

/** A complaint category of the api_key's org, as a service. */
export const open311ServiceSchema = z.object({
  service_code: z.string().describe('the category code'),
  service_name: z.string().describe('its Chinese name'),
  description: z.string().describe('its English name'),
  metadata: z.boolean().describe('always false: no service has extra attributes'),
  type: z.enum(['realtime', 'batch', 'blackbox']).describe('always realtime'),
  keywords: z.string().describe('comma-separated'),
  group: z.string(),
});

export const open311ServiceDefinitionSchema = z.object({
  service_code: z.string(),
  attributes: z
    .array(z.unknown())
    .max(0)
    .describe('always empty: the description and address say everything'),
});

/** A filed complaint (POST answers a list of one). */
export const open311CreatedSchema = z.object({
  service_request_id: z.string(),
  service_notice: z.string().describe('the number the resident quotes: 报事编号 20261123-0042'),
  account_id: z.string().nullable().describe('always null: Linli keeps no account of an outside reporter'),
});

const instant = z.string().meta({ format: 'date-time' });

/** A complaint as a service request. */
export const open311RequestSchema = z.object({
  service_request_id: z.string(),
  status: z
    .enum(['open', 'closed'])
    .describe('open while its loop runs; closed once resolved, closed, rejected or withdrawn'),
  status_notes: z.string().nullable().describe('the latest note on its timeline'),
  service_name: z.string(),
  service_code: z.string(),
  description: z.string(),
  agency_responsible: z.string().describe('the org handling it at its current level'),
  service_notice: z.string(),
  requested_datetime: instant,
  updated_datetime: instant,
  expected_datetime: instant
    .nullable()
    .describe('the running deadline (acknowledgement, then resolution); null once closed'),
  address: z.string().describe('the compound, then building, unit and room'),
  address_id: z.string().describe('the compound’s id'),
  zipcode: z.string().nullable().describe('always null'),
  lat: z.number().nullable().describe('always null: Linli keeps no coordinates'),
  long: z.number().nullable().describe('always null'),
  media_url: z.string().nullable().describe('the first photo that is an http(s) URL'),
});
