import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { redactSecretsInLine, redactUrl } from '../../src/app/log-redaction.js';
import { createLogger } from '../../src/app/logger.js';

describe('redactUrl', () => {
  it('replaces the values of secret-looking query parameters, keeping the rest', () => {
    expect(redactUrl('/open311/v2/services.json?api_key=abc123&x=1')).toBe(
      '/open311/v2/services.json?api_key=[redacted]&x=1',
    );
    expect(redactUrl('/a?token=t&access_token=u&client_secret=v&password=w&sig=keep&q=token')).toBe(
      '/a?token=[redacted]&access_token=[redacted]&client_secret=[redacted]&password=[redacted]&sig=keep&q=token',
    );
    expect(redactUrl('/a?API_KEY=x&api%5Fkey=y&apiKey=z')).toBe(
      '/a?API_KEY=[redacted]&api%5Fkey=[redacted]&apiKey=[redacted]',
    );
    expect(redactUrl('/a?%E0%A4%A=1&key')).toBe('/a?%E0%A4%A=1&key=[redacted]');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });
});

describe('redactSecretsInLine', () => {
  it('sweeps name=value secrets, bearer credentials and bot tokens out of free text', () => {
    expect(redactSecretsInLine('{"msg":"Route GET:/x?api_key=abc&b=2 not found"}')).toBe(
      '{"msg":"Route GET:/x?api_key=[redacted]&b=2 not found"}',
    );
    expect(redactSecretsInLine('{"msg":"sent Authorization: Bearer abcdefghijklmnop123"}')).toBe(
      '{"msg":"sent Authorization: Bearer [redacted]"}',
    );
    expect(redactSecretsInLine('{"msg":"Missing bearer token in the Authorization header"}')).toBe(
      '{"msg":"Missing bearer token in the Authorization header"}',
    );
    expect(redactSecretsInLine('{"err":"GET https://api.telegram.org/bot123456:AAH-x_y/getMe failed"}')).toBe(
      '{"err":"GET https://api.telegram.org/bot[redacted]/getMe failed"}',
    );
  });

  it('is applied to every line the logger writes, messages and errors included', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info('Route GET:/open311/v2/x.json?api_key=secret-key-1 not found');
    log.error({ err: new Error('call to /y?token=secret-key-2 failed') }, 'failed');
    log.info({ headers: { authorization: 'Bearer secret-key-3', cookie: 'sid=secret-key-4' } }, 'headers');
    log.info({ req: { headers: { 'x-api-key': 'secret-key-5' } } }, 'raw req');
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).not.toMatch(/secret-key-/);
  });
});
