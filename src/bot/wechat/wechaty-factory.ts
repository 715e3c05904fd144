/**
 * Builds the production Wechaty with the configured puppet (WECHATY_PUPPET, e.g.
 * `wechaty-puppet-service` with WECHATY_PUPPET_SERVICE_TOKEN). wechaty and the puppet are imported
 * lazily (importing wechaty takes ~1.5 s), so processes that never talk to WeChat do not pay for it.
 *
 * The puppet is loaded and constructed here, not left to wechaty's own resolution at `start()`, so a
 * missing or broken puppet fails at boot with an error naming WECHATY_PUPPET. The returned Wechaty is
 * not started (WechatAdapter.start does that).
 */
import type { Wechaty } from 'wechaty';

export interface CreateWechatyOptions {
  /** npm name of the puppet: `wechaty-puppet-<x>` or `@scope/wechaty-puppet-<x>` (config WECHATY_PUPPET) */
  puppet: string | undefined;
  /** puppet token (config WECHATY_PUPPET_SERVICE_TOKEN for wechaty-puppet-service) */
  puppetToken?: string | undefined;
  /** further puppet options (endpoint, tls, …) merged under the token */
  puppetOptions?: Record<string, unknown>;
  /**
   * Wechaty name. With a name, wechaty keeps its memory card (the puppet's session data) in the file
   * `<name>.memory-card.json` (relative to the working directory unless `name` is an absolute path);
   * without one the memory lives in RAM only.
   */
  name?: string | undefined;
}

const PUPPET_NAME = /^(@[a-z0-9][\w.-]*\/)?wechaty-puppet-[\w.-]+$/;

type PuppetClass = new (options?: Record<string, unknown>) => unknown;

export async function createWechaty(opts: CreateWechatyOptions): Promise<Wechaty> {
  const name = opts.puppet?.trim();
  if (!name) {
    throw new Error(
      'WECHATY_PUPPET is not set: set it to a Wechaty puppet package, e.g. WECHATY_PUPPET=wechaty-puppet-service with WECHATY_PUPPET_SERVICE_TOKEN',
    );
  }
  if (!PUPPET_NAME.test(name)) {
    throw new Error(`WECHATY_PUPPET=${name} is not a Wechaty puppet package name (wechaty-puppet-<name>)`);
  }
  const [{ WechatyBuilder }, Puppet] = await Promise.all([import('wechaty'), loadPuppetClass(name)]);
  let puppet: unknown;
  try {
    const options = { ...opts.puppetOptions, ...(opts.puppetToken ? { token: opts.puppetToken } : {}) };
    puppet = new Puppet(options);
  } catch (e) {
    throw new Error(`WECHATY_PUPPET=${name}: the puppet could not be created: ${message(e)}`, { cause: e });
  }
  // the instance is checked by wechaty (`Puppet.valid`) when it starts
  const built = WechatyBuilder.build({
    puppet: puppet as never,
    ...(opts.name ? { name: opts.name } : {}),
  });
  return built;
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
