import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bodiesByContentType } from '../../src/http/request-bodies.js';

describe('a request body documented per content type', () => {
  it('lists each type with its own schema, the route’s own body still validating', async () => {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(swagger, { openapi: { openapi: '3.0.3' }, transform: jsonSchemaTransform });
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post(
      '/import',
      {
        schema: { body: z.union([z.array(z.object({ room: z.string() })), z.string()]) },
        config: {
          swaggerTransform: bodiesByContentType({
            'application/json': z.array(z.object({ room: z.string() })),
            'text/csv': z.string().describe('header room'),
            'application/octet-stream': z.string().meta({ format: 'binary' }),
          }),
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
    const doc = app.swagger() as { paths: Record<string, { post: { requestBody: unknown } }> };
    expect(doc.paths['/import']!.post.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'array',
            items: {
              type: 'object',
              properties: { room: { type: 'string' } },
              required: ['room'],
            },
          },
        },
        'text/csv': { schema: { type: 'string', description: 'header room' } },
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      },
    });
    const bad = await app.inject({ method: 'POST', url: '/import', payload: [{ floor: 3 }] });
    expect(bad.statusCode).toBe(400);
    await app.close();
  });
});
