import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createLogger, logDestination } from '../../src/app/logger.js';

/** LOG_FORMAT: JSON lines for collectors, readable lines at a terminal; redacted either way. */
describe('LOG_FORMAT', () => {
  it('auto is JSON unless stdout is a terminal; json and pretty as asked; anything else stops the process', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(logDestination('auto', false)).toBeUndefined();
    expect(logDestination('json', true)).toBeUndefined();
    expect(logDestination('auto', true)).toBeDefined();
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('pretty writes readable lines, with secrets redacted as in JSON', () => {
    let written = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        written += chunk;
        done();
      },
    });
    const logger = createLogger('info', logDestination('pretty', false, out));
    logger.info({ dataDir: '/data' }, 'embedded database created');
    logger.warn(
      'calling https://api.example/x?token=abc123secret with Authorization: Bearer sk-live-0123456789',
    );
    expect(written).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: embedded database created\n {4}dataDir: "\/data"/m);
    expect(written).toContain('WARN: calling');
    expect(written).not.toContain('abc123secret');
    expect(written).not.toContain('sk-live-0123456789');
    expect(written).not.toMatch(/^\{/m); // no JSON line
  });
});
