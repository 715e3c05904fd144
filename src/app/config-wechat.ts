import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The WeChat (Wechaty) part of the environment, parsed by src/app/config.ts. Linli reads the
 * puppet-service settings itself, checks them at start and hands them to the puppet as explicit
 * options, so `wechaty-puppet-service` never falls back to reading the environment on its own.
 * The names are the package's own (what every provider's documentation tells you to set).
 */

const PUPPET_SERVICE = 'wechaty-puppet-service';
const DEFAULT_AUTHORITY = 'api.chatie.io';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `host:port`, `[v6]:port`, or a gRPC target URI (`dns:///host:port`, `ipv4:…`, `unix:…`, `wechaty://…`) */
function isGrpcTarget(v: string): boolean {
  if (/\s/.test(v)) return false;
  if (/^(dns|ipv4|ipv6|unix|unix-abstract|wechaty):/.test(v)) return true;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

export const wechatEnv = {
  WECHATY_PUPPET: optionalString,
  WECHATY_PUPPET_SERVICE_TOKEN: optionalString,
  WECHATY_PUPPET_SERVICE_ENDPOINT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine(isGrpcTarget, {
        message: 'must be host:port (e.g. 10.0.0.5:8788) or a gRPC target such as dns:///gateway.local:8788',
      })
      .optional(),
  ),
  WECHATY_PUPPET_SERVICE_AUTHORITY: z.preprocess(
    emptyToUndefined,
    z.string().regex(HOSTNAME, { message: 'must be a host name such as api.chatie.io' }).optional(),
  ),
  WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .optional()
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  ),
  WECHATY_PUPPET_SERVICE_TLS_CA_CERT: optionalString,
  WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(HOSTNAME, { message: 'must be a host name (the name in the server certificate)' })
      .optional(),
  ),
};

type WechatEnv = z.output<z.ZodObject<typeof wechatEnv>>;

/** How to reach the puppet service (WECHATY_PUPPET=wechaty-puppet-service). */
export interface PuppetServiceSettings {
  token: string;
  /** `host:port`; unset: the provider is found through the token (`wechaty://<authority>/<token>`) */
  endpoint: string | undefined;
  authority: string;
  tls: {
    /** plain gRPC (self-hosted gateways usually speak it) */
    disabled: boolean;
    /** PEM of the CA that signed the server's certificate; unset: the Wechaty community CA */
    caCert: string | undefined;
    /** TLS server name (SNI); unset: the token's `<name>_` prefix */
    serverName: string | undefined;
  };
}

export interface WechatConfig {
  puppet: string | undefined;
  puppetServiceToken: string | undefined;
  /** set when WECHATY_PUPPET=wechaty-puppet-service */
  service: PuppetServiceSettings | undefined;
}

export interface ConfigProblem {
  variable: string;
  value: unknown;
  problem: string;
}

/** The checked WeChat settings, or every problem with them (each naming its variable). */
export function wechatConfig(
  e: WechatEnv,
  env: NodeJS.ProcessEnv,
): { config: WechatConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (variable: keyof WechatEnv, text: string) =>
    problems.push({
      variable,
      value: variable === 'WECHATY_PUPPET_SERVICE_TOKEN' && env[variable] ? '***' : shorten(env[variable]),
      problem: text,
    });
  const config: WechatConfig = {
    puppet: e.WECHATY_PUPPET,
    puppetServiceToken: e.WECHATY_PUPPET_SERVICE_TOKEN,
    service: undefined,
  };
  const serviceOnly = [
    'WECHATY_PUPPET_SERVICE_ENDPOINT',
    'WECHATY_PUPPET_SERVICE_AUTHORITY',
    'WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT',
    'WECHATY_PUPPET_SERVICE_TLS_CA_CERT',
    'WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME',
  ] as const;
  if (e.WECHATY_PUPPET !== PUPPET_SERVICE) {
    for (const v of serviceOnly) {
      if (emptyToUndefined(env[v]) !== undefined) {
        problem(v, `is only used with WECHATY_PUPPET=${PUPPET_SERVICE}`);
      }
    }
    return { config, problems };
  }

  const token = e.WECHATY_PUPPET_SERVICE_TOKEN;
  if (!token) {
    problem(
      'WECHATY_PUPPET_SERVICE_TOKEN',
      `is required with WECHATY_PUPPET=${PUPPET_SERVICE}: the token from your puppet provider, or the one your gateway was started with`,
    );
  }
  const disabled = e.WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT;
  let caCert: string | undefined;
  const serverName = e.WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME;
  if (disabled) {
    if (e.WECHATY_PUPPET_SERVICE_TLS_CA_CERT) {
      problem(
        'WECHATY_PUPPET_SERVICE_TLS_CA_CERT',
        'has no effect with WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true (plain gRPC)',
      );
    }
    if (serverName) {
      problem(
        'WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME',
        'has no effect with WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true (plain gRPC)',
      );
    }
  } else {
    if (e.WECHATY_PUPPET_SERVICE_TLS_CA_CERT) {
      const ca = readCaCert(e.WECHATY_PUPPET_SERVICE_TLS_CA_CERT);
      if (typeof ca === 'string') caCert = ca;
      else problem('WECHATY_PUPPET_SERVICE_TLS_CA_CERT', ca.problem);
    }
    if (token && !serverName && !tokenServerName(token)) {
      problem(
        'WECHATY_PUPPET_SERVICE_TLS_SERVER_NAME',
        'is required with TLS when the token has no "<server-name>_" prefix (or set WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true for a plain-gRPC gateway)',
      );
    }
  }
  if (token) {
    config.service = {
      token,
      endpoint: e.WECHATY_PUPPET_SERVICE_ENDPOINT,
      authority: e.WECHATY_PUPPET_SERVICE_AUTHORITY ?? DEFAULT_AUTHORITY,
      tls: { disabled, caCert, serverName },
    };
  }
  return { config, problems };
}

/** The TLS server name a token carries as its prefix (`puppet_workpro_…` → `puppet_workpro`), as the package reads it. */
export function tokenServerName(token: string): string | undefined {
  const i = token.lastIndexOf('_');
  return i > 0 ? token.slice(0, i).toLowerCase() : undefined;
}

/** PEM text (real newlines or `\n` escapes, as in an .env file) or the path of a PEM file */
function readCaCert(value: string): string | { problem: string } {
  let pem = value.replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    if (!existsSync(value)) {
      return {
        problem:
          'must be a PEM certificate (-----BEGIN CERTIFICATE-----…) or the path of a PEM file; no such file',
      };
    }
    try {
      pem = readFileSync(value, 'utf8');
    } catch (err) {
      return { problem: `cannot read the file: ${(err as Error).message}` };
    }
  }
  try {
    new X509Certificate(pem);
  } catch {
    return { problem: 'is not a valid PEM certificate' };
  }
  return pem;
}

function shorten(v: unknown): unknown {
  return typeof v === 'string' && v.length > 80 ? `${v.slice(0, 77)}...` : v;
}
