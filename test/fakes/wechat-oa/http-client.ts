import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One HTTP exchange as WeChat's pusher makes it: no keep-alive, a hard deadline for the whole
 * answer. Never rejects: a timeout or a connection failure is status 0 with an empty body.
 */
export function exchange(
  url: URL,
  method: 'GET' | 'POST',
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number, text: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, body: text });
    };
    const headers: Record<string, string | number> = { 'user-agent': 'Mozilla/4.0' };
    if (body !== undefined) {
      headers['content-type'] = 'text/xml';
      headers['content-length'] = Buffer.byteLength(body, 'utf8');
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      res.on('error', () => done(0, ''));
    });
    const timer = setTimeout(() => {
      done(0, '');
      req.destroy();
    }, timeoutMs);
    req.on('error', () => done(0, ''));
    req.end(body);
  });
}
