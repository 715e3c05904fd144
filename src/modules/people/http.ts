import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../app/modules.js';
import { actorOf, principalOf } from '../../http/auth.js';
import { errorResponses, idParams, listOf } from '../../http/schemas.js';
import { pageQuery } from '../../kernel/access/pagination.js';
import {
  createPersonBody,
  identityBody,
  identitySchema,
  mergeBody,
  mergeResultSchema,
  personDetailSchema,
  personSchema,
  ROLES,
  roleAssignmentSchema,
  roleBody,
  updatePersonBody,
} from './schema.js';

export const peopleRoutes =
  (s: Services): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/people',
      {
        schema: {
          summary: 'Add a person to the register',
          tags: ['people'],
          body: createPersonBody,
          response: { 201: personSchema, ...errorResponses },
        },
      },
      async (req, reply) => reply.status(201).send(await s.people.create(actorOf(req), req.body)),
    );
    app.get(
      '/people',
      {
        schema: {
          tags: ['people'],
          summary:
            'List people in the token’s subtree (registered there, holding a role or owning a unit there)',
          querystring: z.strictObject({
            orgId: z.coerce.number().int().positive().optional(),
            q: z.string().max(100).optional(),
            ...pageQuery,
          }),
          response: { 200: listOf(personSchema), ...errorResponses },
        },
      },
      async (req) => s.people.list(principalOf(req), req.query),
    );
    app.get(
      '/people/:id',
      {
        schema: {
          summary: 'One person, with their chat identities',
          tags: ['people'],
          params: idParams,
          response: { 200: personDetailSchema, ...errorResponses },
        },
      },
      async (req) => s.people.get(principalOf(req), req.params.id),
    );
    app.patch(
      '/people/:id',
      {
        schema: {
          tags: ['people'],
          summary: 'Change a person’s name, phone or locale (the language of every message sent to them)',
          params: idParams,
          body: updatePersonBody,
          response: { 200: personSchema, ...errorResponses },
        },
      },
      async (req) => s.people.update(actorOf(req), req.params.id, req.body),
    );
    app.post(
      '/people/:id/identities',
      {
        schema: {
          tags: ['people'],
          summary: 'Tie a Telegram user id or WeChat id to a person',
          params: idParams,
          body: identityBody,
          response: { 201: identitySchema, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.people.addIdentity(actorOf(req), req.params.id, req.body)),
    );
    app.post(
      '/people/:id/merge',
      {
        schema: {
          tags: ['people'],
          summary: 'Merge person `from` into this person (one transaction; 409 names every conflict)',
          description:
            'Moves identities, roles, unit ownerships and residencies, complaints, electorates and ballots, ' +
            'evaluation answers, party records, reminder audiences, conversations and deliveries from `from` ' +
            'to this person. `from` stays as a row with mergedInto set (append-only history names it). ' +
            'Both ids must be inside the token’s subtree.',
          params: idParams,
          body: mergeBody,
          response: { 200: mergeResultSchema, ...errorResponses },
        },
      },
      async (req) => s.people.merge(actorOf(req), req.params.id, req.body.from),
    );
    app.post(
      '/orgs/:id/roles',
      {
        schema: {
          summary: 'Give a person a role at an org',
          tags: ['roles'],
          params: idParams,
          body: roleBody,
          response: { 201: roleAssignmentSchema, ...errorResponses },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await s.people.grantRole(actorOf(req), req.params.id, req.body)),
    );
    app.get(
      '/orgs/:id/roles',
      {
        schema: {
          summary: 'The roles held at an org',
          tags: ['roles'],
          params: idParams,
          querystring: z.strictObject({ role: z.enum(ROLES).optional(), ...pageQuery }),
          response: { 200: listOf(roleAssignmentSchema), ...errorResponses },
        },
      },
      async (req) => s.people.listRoles(principalOf(req), req.params.id, req.query),
    );
    app.delete(
      '/orgs/:id/roles/:assignmentId',
      {
        schema: {
          summary: 'Take a role away',
          tags: ['roles'],
          params: z.strictObject({
            id: z.coerce.number().int().positive(),
            assignmentId: z.coerce.number().int().positive(),
          }),
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await s.people.revokeRole(actorOf(req), req.params.id, req.params.assignmentId);
        return reply.status(204).send(null);
      },
    );
  };
