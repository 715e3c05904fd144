// Request decoding for the fake Bot API. The real server accepts query strings,
// application/x-www-form-urlencoded, application/json and multipart/form-data; so do we.
// Contract: returns params, or throws BotApiError(400) on an undecodable body (never crashes).
import type { IncomingMessage } from 'node:http';
import { BotApiError, badRequest, type FileUpload, type Params } from './types.js';

const MAX_BODY = 60 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new BotApiError(413, 'Request Entity Too Large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Decodes the query string and body into one params object (body wins on conflicts). */
export function decodeParams(url: URL, contentType: string | undefined, body: Buffer): Params {
  const params: Params = {};
  for (const [k, v] of url.searchParams) params[k] = coerceField(v);
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (body.length === 0) return params;
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON encoded request body");
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw badRequest('JSON request body must be an object');
    }
    return Object.assign(params, parsed);
  }
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = coerceField(v);
    return params;
  }
  if (type === 'multipart/form-data') {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw badRequest("can't parse multipart/form-data: boundary is missing");
    return Object.assign(params, decodeMultipart(body, b));
  }
  throw badRequest(`unsupported Content-Type "${type}"`);
}

/**
 * Form fields are strings on the wire; the real server parses JSON-looking values and
 * numbers per method signature. We approximate: JSON objects/arrays/booleans and
 * integer-looking strings are decoded, everything else stays a string.
 */
function coerceField(v: string): unknown {
  const t = v.trim();
  if (/^-?\d{1,15}$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      return v;
    }
  }
  return v;
}

/**
 * Minimal multipart parser tolerant of grammY's header style
 * (`content-disposition:form-data;name="x";filename=photo.jpg`, no spaces, unquoted filename).
 * Fields whose value is `attach://<id>` are replaced by the uploaded FileUpload.
 */
function decodeMultipart(body: Buffer, boundary: string): Params {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Params = {};
  const files = new Map<string, FileUpload>();
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw badRequest("can't parse multipart/form-data: no boundary found");
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const next = body.indexOf(delimiter, pos);
    if (next < 0) throw badRequest("can't parse multipart/form-data: unterminated part");
    // Part content ends with CRLF before the next delimiter.
    const part = body.subarray(pos, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw badRequest("can't parse multipart/form-data: part without headers");
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? /name=([^;\r\n]+)/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1] ?? /filename=([^;\r\n]+)/i.exec(headers)?.[1];
    if (name === undefined) throw badRequest("can't parse multipart/form-data: part without name");
    if (filename === undefined) {
      fields[name] = coerceField(content.toString('utf8'));
    } else {
      files.set(name, {
        kind: 'upload',
        field: name,
        filename,
        size: content.length,
        data: Buffer.from(content),
      });
    }
    pos = next;
  }
  const attached = new Set<string>();
  for (const [k, v] of Object.entries(fields)) {
    const id = typeof v === 'string' && v.startsWith('attach://') ? v.slice('attach://'.length) : undefined;
    const file = id === undefined ? undefined : files.get(id);
    if (id !== undefined && file) {
      fields[k] = file;
      attached.add(id);
    }
  }
  // A file sent directly under the parameter name (curl -F photo=@x.jpg) also counts.
  for (const [name, file] of files) if (!attached.has(name) && !(name in fields)) fields[name] = file;
  return fields;
}
