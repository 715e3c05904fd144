/** Reads the parts of a multipart/form-data body: enough for media/upload's `media` file field. */
export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** the parts, or undefined when the content type or the body is not multipart/form-data */
export function parseMultipart(contentType: string | undefined, body: Buffer): FormPart[] | undefined {
  const m = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) return undefined;
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    if (body.subarray(at, at + 2).toString() !== '\r\n') return undefined;
    at += 2;
    const headEnd = body.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return undefined;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headEnd + 4);
    if (next < 0) return undefined;
    const headers = body.subarray(at, headEnd).toString('utf8');
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /^content-type:\s*(.*)$/im.exec(headers)?.[1]?.trim();
    if (name !== undefined) {
      parts.push({
        name,
        data: body.subarray(headEnd + 4, next),
        ...(filename !== undefined ? { filename } : {}),
        ...(type !== undefined ? { contentType: type } : {}),
      });
    }
    at = next + 2;
  }
}

/** 'image/jpeg' or 'image/png' by the magic bytes, undefined for anything else */
export function sniffImage(bytes: Buffer): 'image/jpeg' | 'image/png' | undefined {
  if (bytes.subarray(0, 8).toString('hex') === '89504e470d0a1a0a') return 'image/png';
  if (bytes.subarray(0, 3).toString('hex') === 'ffd8ff') return 'image/jpeg';
  return undefined;
}
