/**
 * Keeping secrets out of log lines. Three layers, used by src/app/logger.ts:
 * 1. `redactUrl` (through the `req` serializer): the values of secret-looking query parameters
 *    are replaced, so an Open311 `?api_key=…` never reaches the access log;
 * 2. pino `redact` paths for the headers that carry secrets, should anything log headers;
 * 3. `redactSecretsInLine` on every finished line (pino's `streamWrite` hook): `name=value` pairs
 *    with a secret-looking name, `Bearer …` credentials and Telegram bot tokens in URLs, wherever
 *    they are (a framework's "Route GET:/x?api_key=… not found", an error's message or stack).
 *
 * A parameter is secret-looking when its name contains key, token, secret, passw, pwd, auth,
 * signature, credential or session (case-insensitive): over-redacting a harmless parameter costs
 * a little debugging; under-redacting a key leaks it.
 */
export const REDACTED = '[redacted]';

const SECRET_NAME = /key|token|secret|passw|pwd|auth|signature|credential|session/i;

/** `url` with the values of secret-looking query parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_NAME.test(decodeName(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

const PAIR =
  /([\w.%-]*(?:key|token|secret|passw|pwd|auth|signature|credential|session)[\w.%-]*=)[^&\s"\\#,;]+/gi;
// a credential after "Bearer" (case as sent; 12+ token characters, so prose such as "Missing
// bearer token" is left alone)
const BEARER = /\b(Bearer\s+)[\w.~+/=-]{12,}/g;
const BOT_TOKEN = /\/bot\d+:[\w-]+/g;

/** One serialized log line with every secret-looking value in free text replaced. */
export function redactSecretsInLine(line: string): string {
  let out = line;
  if (out.includes('=')) out = out.replace(PAIR, `$1${REDACTED}`);
  if (out.includes('Bearer')) out = out.replace(BEARER, `$1${REDACTED}`);
  if (out.includes('/bot')) out = out.replace(BOT_TOKEN, `/bot${REDACTED}`);
  return out;
}

/** The headers that carry secrets, as pino `redact` paths under `req.headers`, `headers`, … */
const SECRET_HEADERS = ['authorization', 'cookie', 'x-api-key', 'x-telegram-bot-api-secret-token'];
export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `request.headers["${h}"]`]),
  'res.headers["set-cookie"]',
  'token',
  '*.token',
  'api_key',
  '*.api_key',
  'secret',
  '*.secret',
];

/** Fastify's request serializer, with the URL redacted (and no headers). */
export function serializeRequest(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
