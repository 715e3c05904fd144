import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorDetail } from '../kernel/access/errors.js';
import { databaseRefusal } from './database-refusal.js';

/**
 * Every error leaves as `{"error": {"code", "message", "details"}}`. A 5xx says only that
 * something failed and which request it was; the cause goes to the log, never to the client.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send(body(err.code, err.message, err.details));
    }
    const refused = databaseRefusal(err);
    if (refused) {
      req.log.warn({ err }, 'the database refused a request (a check missing before it)');
      return reply.status(refused.status).send(body(refused.code, refused.message));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const details: ErrorDetail[] = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        // an unknown key is reported on its object, with the keys among the issue's fields
        const params = v.params as { keys?: string[]; issue?: { code?: string; keys?: string[] } };
        const keys =
          v.keyword === 'unrecognized_keys'
            ? params.keys
            : params.issue?.code === 'unrecognized_keys'
              ? params.issue.keys
              : undefined;
        const field = keys?.length ? [path, keys.join(',')].filter(Boolean).join('.') : path;
        return { field: field ? `${where}.${field}` : where, message: v.message ?? 'invalid' };
      });
      const first = details[0];
      return reply
        .status(400)
        .send(
          body(
            'validation_failed',
            `Invalid ${where}${first ? `: ${first.field} ${first.message}` : ''}`,
            details,
          ),
        );
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(body('payload_too_large', 'Request body is too large'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send(body('unsupported_media_type', err.message));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send(body('bad_json', 'Body is empty but Content-Type is application/json'));
    }
    if (
      err.statusCode === 400 &&
      (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError)
    ) {
      return reply.status(400).send(body('bad_json', `Malformed JSON: ${err.message}`));
    }
    if (err.statusCode === 429) {
      return reply.status(429).send(body('rate_limited', err.message));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(body('bad_request', err.message));
    }
    req.log.error({ err }, 'request failed');
    return reply
      .status(500)
      .send(body('internal', 'Internal server error', [{ message: `request id ${req.id}` }]));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(body('not_found', `No route ${req.method} ${req.url.split('?')[0]}`));
  });
}

export function body(code: string, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details } };
}
