import { createHash, randomUUID } from 'node:crypto';
import {
  type ChannelAdapter,
  type ChannelCapabilities,
  ChannelSendError,
  type OutboundMessage,
  type SendResult,
} from '../../kernel/chat/port.js';
import { sniffImage } from '../../kernel/media/image-type.js';

/** WeCom's errcodes a robot's webhook answers with (the rest are refusals of the message itself). */
const ERR = {
  /** api freq out of limit: more than 20 messages in a minute */
  rateLimited: 45009,
  /** invalid webhook url: the robot was removed or the key is wrong */
  invalidWebhook: 93000,
  /** the robot was removed from its group */
  robotGone: 93008,
} as const;

/** A text message's content limit: 2,048 bytes of UTF-8. */
const TEXT_BYTES = 2048;
/** An image message: JPG or PNG, at most 2 MB before base64. */
const IMAGE_BYTES = 2 * 1024 * 1024;

/**
 * A WeCom (企业微信) group robot: send-only, through its official webhook
 * (`POST <apiRoot>/cgi-bin/webhook/send?key=<key>`, JSON `{msgtype: "text", text: {content}}`).
 * Contracts:
 * - the chat id is the robot's webhook key (chats module: `wecom_robot` chats are officials' groups);
 * - text, and photos: choices, mentions and private links have no place in a robot's message and
 *   are dropped; a photo with its bytes (`media.data`, resolved by the sender) goes first as an
 *   image message (`{msgtype: "image", image: {base64, md5}}`, JPG or PNG, ≤ 2 MB; another kind or
 *   a bigger one is left out with a line saying so), then the text; a text longer than 2,048 bytes
 *   goes as several messages;
 * - errcode 45009 (more than 20 a minute) → `rate_limited` for a minute; 93000/93008 (the robot is
 *   gone or the key is wrong) → `permanent`; another errcode → `permanent` (WeCom refused this
 *   message); HTTP 5xx, a network error or a timeout → `transient`.
 */
export class WecomRobotAdapter implements ChannelAdapter {
  readonly name = 'wecom_robot' as const;
  readonly capabilities: ChannelCapabilities = {
    buttons: false,
    edits: false,
    privateMessages: false,
    mentions: false,
    maxTextLength: TEXT_BYTES,
  };
  private readonly root: string;

  constructor(opts: { apiRoot: string; timeoutMs?: number }) {
    this.root = opts.apiRoot.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }
  private readonly timeoutMs: number;

  /** Nothing to receive: a robot only posts. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(out: OutboundMessage): Promise<SendResult> {
    const photo = out.media?.kind === 'photo' ? out.media.data : undefined;
    const image = photo ? robotImage(photo) : null;
    const text =
      photo && !image ? [out.text, '（图片无法通过机器人发送）'].filter(Boolean).join('\n') : out.text;
    const pieces = splitBytes(text, TEXT_BYTES);
    if (pieces.length === 0 && !image) throw new ChannelSendError('permanent', 'nothing to send: empty text');
    if (image) await this.post(out.chat.externalId, { msgtype: 'image', image });
    for (const content of pieces)
      await this.post(out.chat.externalId, { msgtype: 'text', text: { content } });
    return { messageId: `wecom-${randomUUID()}` };
  }

  private async post(key: string, message: object): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.root}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ChannelSendError('transient', `WeCom robot unreachable: ${(err as Error).message}`);
    }
    if (res.status >= 500) throw new ChannelSendError('transient', `WeCom robot: HTTP ${res.status}`);
    const body = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
    if (body.errcode === 0) return;
    const why =
      `WeCom robot: errcode ${body.errcode ?? `none (HTTP ${res.status})`} ${body.errmsg ?? ''}`.trim();
    if (body.errcode === ERR.rateLimited) throw new ChannelSendError('rate_limited', why, 60_000);
    throw new ChannelSendError('permanent', why);
  }
}

/** A robot's image message of `photo`: base64 and the md5 of the bytes; null when WeCom would refuse it. */
export function robotImage(photo: {
  bytes: Uint8Array;
  contentType: string;
}): { base64: string; md5: string } | null {
  const kind = sniffImage(photo.bytes);
  if ((kind !== 'image/png' && kind !== 'image/jpeg') || photo.bytes.length > IMAGE_BYTES) return null;
  const bytes = Buffer.from(photo.bytes);
  return { base64: bytes.toString('base64'), md5: createHash('md5').update(bytes).digest('hex') };
}

/** `text` in pieces of at most `max` UTF-8 bytes, cut at line ends where it can be. */
export function splitBytes(text: string, max: number): string[] {
  const out: string[] = [];
  let piece = '';
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  for (const line of text.split('\n')) {
    const next = piece ? `${piece}\n${line}` : line;
    if (bytes(next) <= max) {
      piece = next;
      continue;
    }
    if (piece) out.push(piece);
    piece = '';
    // a single line too long: by characters
    let rest = line;
    while (bytes(rest) > max) {
      let n = Math.min(rest.length, max);
      while (bytes(rest.slice(0, n)) > max) n--;
      out.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    piece = rest;
  }
  if (piece.trim()) out.push(piece);
  return out;
}
