import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: './data',
      tz: 'Asia/Shanghai',
      role: 'all',
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
  });

  it('names each bad variable, its problem and the fix', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TZ: 'Mars/Base', ADMIN_TOKEN: 'short' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = err!.message;
    expect(msg).toMatch(/PORT="eighty": must be a whole number/);
    expect(msg).toMatch(/DATABASE_URL="mysql:\/\/x": must be a URL starting with postgres:/);
    expect(msg).toMatch(/TZ="Mars\/Base": must be an IANA time zone/);
    expect(msg).toMatch(/ADMIN_TOKEN="\*\*\*": must be at least 24 characters/);
    expect(msg).not.toContain('short');
    expect(msg).toMatch(/Fix: set PORT/);
  });

  it('takes a Redis key prefix of its own, refusing one BullMQ cannot use', () => {
    expect(loadConfig({}).redisPrefix).toBe('linli');
    expect(loadConfig({ REDIS_PREFIX: 'linli-staging' }).redisPrefix).toBe('linli-staging');
    expect(() => loadConfig({ REDIS_PREFIX: 'a:b' })).toThrow(/REDIS_PREFIX="a:b": must be 1–40 letters/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: ' ' }).port).toBe(3000);
  });

  it('trusts no proxy unless TRUST_PROXY names them (a hop count or addresses and CIDRs)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,::1,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const [value, problem] of [
      ['true', /TRUST_PROXY="true": must be a hop count \(1–10\) or a comma-separated list .* not "true"/],
      ['*', /TRUST_PROXY="\*": must be a hop count/],
      ['10.0.0.1,10.0.0.300', /not "10\.0\.0\.300"/],
      ['10.0.0.0/33', /not "10\.0\.0\.0\/33"/],
      ['10.0.0.1,', /not ""/],
      ['0', /TRUST_PROXY="0": a hop count must be 1–10/],
      ['11', /TRUST_PROXY="11": a hop count must be 1–10/],
    ] as const) {
      expect(() => loadConfig({ TRUST_PROXY: value }), value).toThrow(problem);
    }
  });
});
