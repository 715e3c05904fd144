import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake WeCom (企业微信) group robot webhook that speaks the real protocol and refuses what WeCom
 * refuses: `POST /cgi-bin/webhook/send?key=<key>` with JSON `{msgtype: "text", text: {content}}`
 * or `{msgtype: "markdown", markdown: {content}}` or `{msgtype: "image", image: {base64, md5}}`,
 * always HTTP 200 with `{errcode, errmsg}`: 93000 for a key that is no robot's, 40008 for another
 * msgtype, 44004 for empty content, 45002 for content over 2,048 bytes (text) or 4,096 (markdown),
 * 40009 for an image that is not a JPG/PNG or over 2 MB, 301019 for an md5 that is not the bytes',
 * 45009 past 20 messages a minute per robot.
 */
export interface RobotMessage {
  key: string;
  msgtype: string;
  /** the text or markdown; for an image, its md5 */
  content: string;
  /** an image's bytes */
  image?: Buffer;
  at: Date;
}

export interface FakeWecomRobot {
  url: string;
  /** registers a robot; its webhook key */
  addRobot(key?: string): string;
  /** what the robots accepted, in order */
  messages: RobotMessage[];
  /** every answer given, errors included: errcode per request */
  answers: { key: string; errcode: number }[];
  waitFor(predicate: (m: RobotMessage) => boolean, timeoutMs?: number): Promise<RobotMessage>;
  close(): Promise<void>;
}

const LIMITS: Record<string, number> = { text: 2048, markdown: 4096 };

export async function startFakeWecomRobot(opts: { perMinute?: number } = {}): Promise<FakeWecomRobot> {
  const perMinute = opts.perMinute ?? 20;
  const robots = new Set<string>();
  const sent = new Map<string, number[]>();
  const messages: RobotMessage[] = [];
  const answers: { key: string; errcode: number }[] = [];
  const waiters = new Set<() => void>();

  const answer = (res: ServerResponse, key: string, errcode: number, errmsg: string) => {
    answers.push({ key, errcode });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errcode, errmsg }));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'POST' || url.pathname !== '/cgi-bin/webhook/send') {
      res.writeHead(404);
      return res.end();
    }
    const key = url.searchParams.get('key') ?? '';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!robots.has(key)) return answer(res, key, 93000, 'invalid webhook url');
    let body: {
      msgtype?: string;
      text?: { content?: string };
      markdown?: { content?: string };
      image?: { base64?: string; md5?: string };
    };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(res, key, 40035, 'invalid json');
    }
    const msgtype = body.msgtype ?? '';
    let image: Buffer | undefined;
    let content: string;
    if (msgtype === 'image') {
      image = Buffer.from(body.image?.base64 ?? '', 'base64');
      const png = image.subarray(0, 8).toString('hex') === '89504e470d0a1a0a';
      const jpg = image.subarray(0, 3).toString('hex') === 'ffd8ff';
      if ((!png && !jpg) || image.length > 2 * 1024 * 1024)
        return answer(res, key, 40009, 'invalid image size');
      content = createHash('md5').update(image).digest('hex');
      if (body.image?.md5 !== content) return answer(res, key, 301019, 'media md5 not match');
    } else {
      if (!(msgtype in LIMITS)) return answer(res, key, 40008, 'invalid message type');
      content = (msgtype === 'text' ? body.text?.content : body.markdown?.content) ?? '';
      if (content === '') return answer(res, key, 44004, 'empty content');
      if (Buffer.byteLength(content, 'utf8') > LIMITS[msgtype]!)
        return answer(res, key, 45002, 'content size out of limit');
    }
    const now = Date.now();
    const recent = (sent.get(key) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= perMinute) return answer(res, key, 45009, 'api freq out of limit');
    sent.set(key, [...recent, now]);
    messages.push({ key, msgtype, content, ...(image ? { image } : {}), at: new Date() });
    for (const w of [...waiters]) w();
    return answer(res, key, 0, 'ok');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    answers,
    addRobot(key = randomUUID()) {
      robots.add(key);
      return key;
    },
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(predicate);
          if (!m) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no robot message matched in ${timeoutMs} ms; got: ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
