import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../kernel/access/errors.js';
import { findUnstorable } from '../kernel/db/storable-text.js';

/**
 * Refuses, for every route of `app`'s scope, a request whose path parameters, query string or body
 * (JSON, form or text) holds text PostgreSQL cannot store (U+0000, a lone UTF-16 surrogate; see
 * src/kernel/db/storable-text.ts): 400 `validation_failed` with the field, e.g. `body.name.en`,
 * `querystring.q`, `params.code` (the same names schema validation uses). It runs before schema
 * validation and the routes' own preValidation hooks (Open311's key check), so nothing behind it
 * ever sees such text.
 */
export function installStorableInputCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const parts: [string, unknown][] = [
      ['params', req.params],
      ['querystring', req.query],
      ['body', req.body],
    ];
    for (const [part, value] of parts) {
      const at = findUnstorable(value);
      if (!at) continue;
      const field = [part, ...at.path].join('.');
      const message = at.inKey
        ? 'has a key with U+0000 or a lone UTF-16 surrogate, which cannot be stored'
        : 'contains U+0000 or a lone UTF-16 surrogate, which cannot be stored';
      throw badRequest(`Invalid ${part}: ${field} ${message}`, [{ field, message }]);
    }
  });
}
