import { type Logger, pino } from 'pino';

/** One pino logger per process; secrets in headers never reach a log line. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'linli' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-telegram-bot-api-secret-token"]',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
