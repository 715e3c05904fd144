import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
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

/**
 * The process's log destination for LOG_FORMAT: JSON lines (for a container's log collector), or
 * readable coloured lines (pino-pretty, in this process: no worker thread) for someone at a
 * terminal — `auto` chooses by whether stdout is one. Lines are redacted before either.
 */
export function logDestination(
  format: 'auto' | 'json' | 'pretty',
  isTTY = Boolean(process.stdout.isTTY),
  out: NodeJS.WritableStream | number = 1,
): DestinationStream | undefined {
  if (format === 'json' || (format === 'auto' && !isTTY)) return undefined;
  return pretty({
    colorize: isTTY,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    sync: true,
    destination: out,
  });
}
