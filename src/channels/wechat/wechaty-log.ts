/**
 * Wechaty and its puppets log through `brolog` straight to the console, unredacted (their verbose
 * lines print the puppet options, token included). This sends those lines through Linli's logger
 * instead, redacted, as `{component: "wechaty"}` lines at a level that follows Linli's LOG_LEVEL.
 *
 * Two brolog loggers exist: the one `wechaty-puppet` exports (wechaty, the puppets, the puppet
 * service) and brolog's global instance (wechaty-token's service discovery, flash-store). Both are
 * routed. brolog is process-wide, so the last call wins.
 */
import type { Logger } from 'pino';
import { redact } from './redact.js';

interface BrologLike {
  level(name?: string): string;
  timestamp(enable: boolean): void;
  enableLogging(printer: (levelTitle: string, text: string) => void): unknown;
}

const TO_BROLOG: Record<string, string> = {
  fatal: 'error',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'verbose',
  trace: 'silly',
  silent: 'silent',
};

export async function routeWechatyLog(logger: Logger): Promise<void> {
  const { log } = await import('wechaty');
  const puppetLog = log as unknown as BrologLike;
  // brolog is a single installed copy: the class of wechaty-puppet's logger owns the global instance
  const Brolog = (log as unknown as { constructor: { instance(): BrologLike } }).constructor;
  const child = logger.child({ component: 'wechaty' });
  const print = (levelTitle: string, text: string): void => {
    // brolog's line (timestamps off): "<LEVEL> <Module> <message>"
    const line = redact(text.replace(/^\S+ /, '').trim());
    switch (levelTitle) {
      case 'ERR':
        child.error(line);
        break;
      case 'WARN':
        child.warn(line);
        break;
      case 'INFO':
        child.info(line);
        break;
      case 'VERB':
        child.debug(line);
        break;
      default:
        child.trace(line);
    }
  };
  for (const target of [puppetLog, Brolog.instance()]) {
    target.timestamp(false);
    target.enableLogging(print);
    target.level(TO_BROLOG[logger.level] ?? 'info');
  }
}
