/**
 * Keeps the puppet token out of log lines, statuses and stored errors. The token reaches error texts
 * in several ways: a puppet service answers a wrong token with `Invalid Wechaty TOKEN "<token>"`,
 * gRPC names its target (`wechaty://api.chatie.io/<token>`) when it cannot resolve it, and the
 * Wechaty packages log their options (with the token) at verbose level.
 *
 * Contract: `redact(text)` replaces every occurrence of a registered secret (and whatever a puppet
 * service echoes as `Invalid Wechaty TOKEN "…"`) with `***`.
 */

const secrets = new Set<string>();

/** Registers a secret for every `redact` of this process (secrets shorter than 6 characters are not worth hiding by substring). */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 6) secrets.add(secret);
}

export function redact(text: string): string {
  let out = text.replace(/(Invalid Wechaty TOKEN ")[^"]*(")/g, '$1***$2');
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** The message of anything thrown or emitted as an error, redacted. */
export function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  return redact(message ?? String(e));
}

/** What to log of an error: its redacted message and its (gRPC or errno) code, never the raw object. */
export function safeError(e: unknown): { message: string; code?: string | number } {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return {
    message: errorText(e),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}
