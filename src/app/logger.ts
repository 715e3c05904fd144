import { type DestinationStream, type Logger, pino } from 'pino';
import { REDACT_PATHS, REDACTED, redactSecretsInLine, serializeRequest } from './log-redaction.js';

/**
 * One pino logger per process (stdout unless a destination is given). No secret reaches a log
 * line: request URLs are logged with secret query values redacted, secret headers are redacted,
 * and every finished line is swept for `name=value` secrets and bearer credentials
 * (src/app/log-redaction.ts). Fastify takes the `req` serializer from this logger.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'linli' },
    serializers: { req: serializeRequest },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: redactSecretsInLine },
  };
  return destination ? pino(options, destination) : pino(options);
}
