/**
 * Builds the production Wechaty with the configured puppet (WECHATY_PUPPET, e.g.
 * `wechaty-puppet-service` with WECHATY_PUPPET_SERVICE_TOKEN). wechaty and the puppet are imported
 * lazily (importing wechaty takes ~1.5 s), so processes that never talk to WeChat do not pay for it.
 *
 * The puppet is loaded and constructed here, not left to wechaty's own resolution at `start()`, so a
 * missing or broken puppet fails at boot with an error naming WECHATY_PUPPET. The returned Wechaty is
 * not started (WechatAdapter.start does that).
 *
 * `wechaty-puppet-service` is built from Linli's checked settings (`service`) as Linli's own
 * subclass (puppet-service.ts: explicit options, cache under DATA_DIR, no `Stop` on shutdown,
 * reconnect events) and comes back with its `transport`. Any other package is loaded by name, e.g.
 * `wechaty-puppet-mock` (a dev dependency: present in a development checkout, not in the image).
 */
import type { Logger } from 'pino';
import type { Wechaty } from 'wechaty';
import type { PuppetServiceSettings } from '../../app/config-wechat.js';
import { createPuppetService, type PuppetTransport, puppetServiceCacheDir } from './puppet-service.js';
import { registerSecret } from './redact.js';
import { routeWechatyLog } from './wechaty-log.js';

export interface CreateWechatyOptions {
  /** npm name of the puppet: `wechaty-puppet-<x>` or `@scope/wechaty-puppet-<x>` (config WECHATY_PUPPET) */
  puppet: string | undefined;
  /** puppet token (config WECHATY_PUPPET_SERVICE_TOKEN) for puppets other than the puppet service */
  puppetToken?: string | undefined;
  /** further options for puppets other than the puppet service, merged under the token */
  puppetOptions?: Record<string, unknown>;
  /** how to reach the puppet service (required for `wechaty-puppet-service`) */
  service?: PuppetServiceSettings | undefined;
  /** where the puppet service client keeps its cache (`<dataDir>/wechaty/puppet-service/<hash>`) */
  dataDir?: string | undefined;
  /**
   * Wechaty name. With a name, wechaty keeps its memory card (the puppet's session data) in the file
   * `<name>.memory-card.json` (relative to the working directory unless `name` is an absolute path);
   * without one the memory lives in RAM only.
   */
  name?: string | undefined;
  /** wechaty's own log lines go here (redacted); without it they stay on the console */
  logger?: Logger | undefined;
}

export interface WechatyBundle {
  wechaty: Wechaty;
  /** the puppet service's connection events; undefined for other puppets */
  transport: PuppetTransport | undefined;
}

const PUPPET_NAME = /^(@[a-z0-9][\w.-]*\/)?wechaty-puppet-[\w.-]+$/;
const PUPPET_SERVICE = 'wechaty-puppet-service';

type PuppetClass = new (options?: Record<string, unknown>) => unknown;

export async function createWechaty(opts: CreateWechatyOptions): Promise<WechatyBundle> {
  const name = opts.puppet?.trim();
  if (!name) {
    throw new Error(
      'WECHATY_PUPPET is not set: set it to a Wechaty puppet package, e.g. WECHATY_PUPPET=wechaty-puppet-service with WECHATY_PUPPET_SERVICE_TOKEN',
    );
  }
  if (!PUPPET_NAME.test(name)) {
    throw new Error(`WECHATY_PUPPET=${name} is not a Wechaty puppet package name (wechaty-puppet-<name>)`);
  }
  registerSecret(opts.puppetToken);
  registerSecret(opts.service?.token);
  if (opts.logger) await routeWechatyLog(opts.logger);

  let puppet: unknown;
  let transport: PuppetTransport | undefined;
  if (name === PUPPET_SERVICE) {
    if (!opts.service) {
      throw new Error(
        `WECHATY_PUPPET=${name} needs WECHATY_PUPPET_SERVICE_TOKEN (see README, Configuration)`,
      );
    }
    const cacheDir = puppetServiceCacheDir(opts.dataDir ?? './data', opts.service.token);
    try {
      ({ puppet, transport } = await createPuppetService(opts.service, cacheDir));
    } catch (e) {
      throw new Error(`WECHATY_PUPPET=${name}: the puppet could not be created: ${message(e)}`, { cause: e });
    }
  } else {
    const Puppet = await loadPuppetClass(name);
    try {
      const options = { ...opts.puppetOptions, ...(opts.puppetToken ? { token: opts.puppetToken } : {}) };
      puppet = new Puppet(options);
    } catch (e) {
      throw new Error(`WECHATY_PUPPET=${name}: the puppet could not be created: ${message(e)}`, { cause: e });
    }
  }
  const { WechatyBuilder } = await import('wechaty');
  // the instance is checked by wechaty (`Puppet.valid`) when it starts
  const wechaty = WechatyBuilder.build({
    puppet: puppet as never,
    ...(opts.name ? { name: opts.name } : {}),
  });
  return { wechaty, transport };
}

async function loadPuppetClass(name: string): Promise<PuppetClass> {
  let mod: unknown;
  try {
    mod = await import(name);
  } catch (e) {
    throw new Error(
      `WECHATY_PUPPET=${name}: the puppet package cannot be loaded (is it installed?): ${message(e)}`,
      { cause: e },
    );
  }
  // ESM default export, or CommonJS `module.exports.default` nested under `default`
  let candidate: unknown = mod;
  for (let i = 0; i < 3 && typeof candidate === 'object' && candidate !== null; i++) {
    candidate = (candidate as { default?: unknown }).default;
  }
  if (typeof candidate !== 'function') {
    throw new Error(`WECHATY_PUPPET=${name}: the package has no default export of a puppet class`);
  }
  return candidate as PuppetClass;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
