import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';

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

describe('WeChat puppet-service settings', () => {
  const TOKEN = 'puppet_workpro_0123456789abcdef';
  const BROKEN_PEM = [
    '-----BEGIN CERTIFICATE-----',
    'MIIBhTCCASugAwIBAgIUUwaSkCnvL8s8TqUm0Bq0TcuKs/AwCgYIKoZIzj0EAwIw',
    'GDEWMBQGA1UEAwwNbGlubGktdGVzdC1jYTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAx',
    'MDEwMDAwMDBaMBgxFjAUBgNVBAMMDWxpbmxpLXRlc3QtY2EwWTATBgcqhkjOPQIB',
    'BggqhkjOPQMBBwNCAAQ4mGkE+0LqwG7jM2Y2k7Qw5m3o0mDk2q6n4t7C7y9m6vXx',
    'f8uQ4K0T1m0p8yM3r0y4kB3mJwP7xvK5Q1mYo1MwUTAdBgNVHQ4EFgQU0000000',
    '-----END CERTIFICATE-----',
  ].join('\n');

  it('a provider token: discovery through the token, TLS on, the server name from the token prefix', () => {
    const c = loadConfig({ WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: TOKEN });
    expect(c.wechaty.service).toEqual({
      token: TOKEN,
      endpoint: undefined,
      authority: 'api.chatie.io',
      tls: { disabled: false, caCert: undefined, serverName: undefined },
    });
  });

  it('a self-hosted plain-gRPC gateway', () => {
    const c = loadConfig({
      WECHATY_PUPPET: 'wechaty-puppet-service',
      WECHATY_PUPPET_SERVICE_TOKEN: 'my-gateway-token',
      WECHATY_PUPPET_SERVICE_ENDPOINT: '10.0.0.5:8788',
      WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
    });
    expect(c.wechaty.service).toMatchObject({
      endpoint: '10.0.0.5:8788',
      tls: { disabled: true, caCert: undefined, serverName: undefined },
    });
  });

  it('names each bad or missing setting, never printing the token', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ WECHATY_PUPPET: 'wechaty-puppet-service', ...env });
      } catch (e) {
        return (e as ConfigError).message;
      }
      return '';
    };
    expect(problems({})).toMatch(
      /WECHATY_PUPPET_SERVICE_TOKEN=\(unset\): is required with WECHATY_PUPPET=wechaty-puppet-service/,
    );
    expect(
      problems({ WECHATY_PUPPET_SERVICE_TOKEN: TOKEN, WECHATY_PUPPET_SERVICE_ENDPOINT: 'http://x y' }),
    ).toMatch(/WECHATY_PUPPET_SERVICE_ENDPOINT="http:\/\/x y": must be host:port/);
    expect(
      problems({
        WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
        WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'maybe',
      }),
    ).toMatch(/WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT="maybe": must be true or false/);
    // TLS needs a server name: from the token's prefix, or given
    const noPrefix = problems({ WECHATY_PUPPET_SERVICE_TOKEN: 'tokenwithoutprefix' });
    expect(noPrefix).toMatch(/WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME=\(unset\): is required with TLS/);
    expect(noPrefix).not.toContain('tokenwithoutprefix');
    expect(
      problems({
        WECHATY_PUPPET_SERVICE_TOKEN: 'tokenwithoutprefix',
        WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME: 'gw.example.org',
      }),
    ).toBe('');
    expect(
      problems({
        WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
        WECHATY_PUPPET_SERVICE_TLS_CA_CERT: '/no/such/ca.pem',
      }),
    ).toMatch(/WECHATY_PUPPET_SERVICE_TLS_CA_CERT="\/no\/such\/ca.pem": must be a PEM certificate/);
    expect(
      problems({ WECHATY_PUPPET_SERVICE_TOKEN: TOKEN, WECHATY_PUPPET_SERVICE_TLS_CA_CERT: BROKEN_PEM }),
    ).toMatch(/WECHATY_PUPPET_SERVICE_TLS_CA_CERT=.*is not a valid PEM certificate/);
    expect(
      problems({
        WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
        WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
        WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME: 'gw.example.org',
      }),
    ).toMatch(
      /WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME="gw.example.org": has no effect with WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true/,
    );
  });

  it('reads a CA certificate given as PEM text (with \\n escapes) or as a file', () => {
    const pem = selfSignedPem();
    const dir = mkdtempSync(join(tmpdir(), 'linli-ca-'));
    try {
      const file = join(dir, 'ca.pem');
      writeFileSync(file, pem);
      for (const value of [pem.replace(/\n/g, '\\n'), file]) {
        const c = loadConfig({
          WECHATY_PUPPET: 'wechaty-puppet-service',
          WECHATY_PUPPET_SERVICE_TOKEN: TOKEN,
          WECHATY_PUPPET_SERVICE_TLS_CA_CERT: value,
        });
        expect(c.wechaty.service?.tls.caCert?.trim()).toBe(pem.trim());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses puppet-service settings for another puppet', () => {
    expect(() =>
      loadConfig({
        WECHATY_PUPPET: 'wechaty-puppet-mock',
        WECHATY_PUPPET_SERVICE_ENDPOINT: '127.0.0.1:8788',
      }),
    ).toThrow(
      /WECHATY_PUPPET_SERVICE_ENDPOINT="127.0.0.1:8788": is only used with WECHATY_PUPPET=wechaty-puppet-service/,
    );
    expect(loadConfig({ WECHATY_PUPPET: 'wechaty-puppet-mock' }).wechaty.service).toBeUndefined();
  });
});

/** a real self-signed certificate, made with openssl when the test runs */
function selfSignedPem(): string {
  const dir = mkdtempSync(join(tmpdir(), 'linli-pem-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=linli-test-ca',
      ],
      { stdio: 'ignore' },
    );
    return readFileSync(join(dir, 'cert.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
