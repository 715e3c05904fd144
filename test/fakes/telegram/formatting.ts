// parse_mode handling modelled on the real server (tdlib's parse_html / parse_markdown_v2).
// Contract: returns the plain text + entities the real server would store, or throws
// 400 "Bad Request: can't parse entities: ..." for input the real server rejects
// (unsupported/unclosed HTML tags, unescaped MarkdownV2 reserved characters, unclosed entities).
// Simplifications: byte offsets are UTF-8 offsets into the source; entity nesting rules
// beyond balanced open/close are not enforced; legacy Markdown is approximated.
import type { MessageEntity } from 'grammy/types';
import { badRequest } from './types.js';

export interface Formatted {
  text: string;
  entities: MessageEntity[];
}

interface Open {
  type: string;
  tag: string;
  start: number;
  byteOffset: number;
  url?: string;
  language?: string;
  customEmojiId?: string;
}

const entityError = (what: string) => badRequest(`can't parse entities: ${what}`);
const byteOffset = (src: string, i: number) => Buffer.byteLength(src.slice(0, i));

export function formatText(src: string, parseMode: unknown, explicit?: unknown): Formatted {
  if (parseMode === undefined || parseMode === null || parseMode === '') {
    return { text: src, entities: Array.isArray(explicit) ? (explicit as MessageEntity[]) : [] };
  }
  const mode = String(parseMode);
  let out: Formatted;
  if (mode.toLowerCase() === 'html') out = parseHtml(src);
  else if (mode.toLowerCase() === 'markdownv2') out = parseMarkdownV2(src);
  else if (mode.toLowerCase() === 'markdown') out = parseMarkdownLegacy(src);
  else throw badRequest(`unsupported parse_mode`);
  out.entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return out;
}

function toEntity(open: Open, end: number): MessageEntity | undefined {
  const length = end - open.start;
  if (length <= 0) return undefined;
  const base = { offset: open.start, length };
  switch (open.type) {
    case 'text_link': {
      if (!open.url) return undefined;
      // a link to tg://user?id=<id> is a mention of that user (text_mention), as the server makes it
      const user = /^tg:\/\/user\?id=(\d+)$/.exec(open.url)?.[1];
      return user
        ? { type: 'text_mention', user: { id: Number(user), is_bot: false, first_name: '' }, ...base }
        : { type: 'text_link', url: open.url, ...base };
    }
    case 'pre':
      return open.language ? { type: 'pre', language: open.language, ...base } : { type: 'pre', ...base };
    case 'custom_emoji':
      return { type: 'custom_emoji', custom_emoji_id: open.customEmojiId ?? '', ...base };
    default:
      return { type: open.type, ...base } as MessageEntity;
  }
}

const HTML_TAGS: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function parseHtml(src: string): Formatted {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '&') {
      const m = /^&(?:(lt|gt|amp|quot)|#(\d{1,7})|#x([0-9a-f]{1,6}));/i.exec(src.slice(i, i + 12));
      if (m) {
        const named = m[1] === undefined ? undefined : NAMED_ENTITIES[m[1].toLowerCase()];
        out += named ?? String.fromCodePoint(m[2] ? Number(m[2]) : Number.parseInt(m[3]!, 16));
        i += m[0].length;
        continue;
      }
    }
    if (c !== '<') {
      out += c; // a lone '&' or '>' is kept literally, as tdlib does
      i += 1;
      continue;
    }
    const at = byteOffset(src, i);
    if (src[i + 1] === '/') {
      const close = src.indexOf('>', i);
      if (close < 0) throw entityError(`Unclosed end tag at byte offset ${at}`);
      const name = src
        .slice(i + 2, close)
        .trim()
        .toLowerCase();
      const open = stack.pop();
      if (!open) throw entityError(`Unexpected end tag at byte offset ${at}`);
      if (name !== open.tag) {
        throw entityError(
          `Unmatched end tag at byte offset ${at}, expected "</${open.tag}>", found "</${name}>"`,
        );
      }
      const parent = stack[stack.length - 1];
      if (open.tag === 'code' && parent?.tag === 'pre' && open.language) parent.language = open.language;
      else {
        const e = toEntity(open, out.length);
        if (e) entities.push(e);
      }
      i = close + 1;
      continue;
    }
    let j = i + 1;
    while (j < src.length && !/[\s>]/.test(src[j]!)) j += 1;
    if (j >= src.length) throw entityError(`Unclosed start tag at byte offset ${at}`);
    const name = src.slice(i + 1, j).toLowerCase();
    const type = HTML_TAGS[name];
    if (!type) throw entityError(`Unsupported start tag "${name}" at byte offset ${at}`);
    let quote: string | undefined;
    let k = j;
    for (; k < src.length; k += 1) {
      const ch = src[k]!;
      if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') break;
    }
    if (k >= src.length) throw entityError(`Unclosed start tag at byte offset ${at}`);
    const attrs = parseAttributes(src.slice(j, k));
    if (name === 'span' && attrs.class !== 'tg-spoiler') {
      throw entityError(`Tag "span" must have class "tg-spoiler" at byte offset ${at}`);
    }
    const open: Open = { type, tag: name, start: out.length, byteOffset: at };
    if (name === 'a') open.url = attrs.href;
    if (name === 'code' && attrs.class?.startsWith('language-')) open.language = attrs.class.slice(9);
    if (name === 'tg-emoji') open.customEmojiId = attrs['emoji-id'];
    if (name === 'blockquote' && 'expandable' in attrs) open.type = 'expandable_blockquote';
    stack.push(open);
    i = k + 1;
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) throw entityError(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  return { text: out, entities };
}

function parseAttributes(s: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([a-zA-Z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const m of s.matchAll(re)) {
    const raw = m[2] ?? m[3] ?? m[4] ?? '';
    attrs[m[1]!.toLowerCase()] = raw.replace(/&(lt|gt|amp|quot);/g, (_, n: string) => NAMED_ENTITIES[n]!);
  }
  return attrs;
}

const V2_RESERVED = '_*[]()~`>#+-=|{}.!';
const V2_NAMES: Record<string, string> = {
  bold: 'Bold',
  italic: 'Italic',
  underline: 'Underline',
  strikethrough: 'Strikethrough',
  spoiler: 'Spoiler',
  code: 'Code',
  pre: 'Pre',
  text_link: 'TextUrl',
  custom_emoji: 'CustomEmoji',
};

function parseMarkdownV2(src: string): Formatted {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: Open[] = [];
  let i = 0;
  let lineStart = true;
  const close = (open: Open) => {
    const e = toEntity(open, out.length);
    if (e) entities.push(e);
  };
  const toggle = (type: string, width: number) => {
    const top = stack[stack.length - 1];
    if (top?.type === type) close(stack.pop()!);
    else stack.push({ type, tag: type, start: out.length, byteOffset: byteOffset(src, i) });
    i += width;
  };
  while (i < src.length) {
    const c = src[i]!;
    const top = stack[stack.length - 1];
    if (top?.type === 'code' || top?.type === 'pre') {
      if (c === '\\' && (src[i + 1] === '`' || src[i + 1] === '\\')) {
        out += src[i + 1];
        i += 2;
      } else if (top.type === 'pre' && src.startsWith('```', i)) {
        close(stack.pop()!);
        i += 3;
      } else if (top.type === 'code' && c === '`') {
        close(stack.pop()!);
        i += 1;
      } else {
        out += c;
        i += 1;
      }
      continue;
    }
    const wasLineStart = lineStart;
    lineStart = false;
    if (c === '\\' && i + 1 < src.length) {
      const code = src.charCodeAt(i + 1);
      if (code > 0 && code <= 126) {
        out += src[i + 1];
        i += 2;
        continue;
      }
    }
    if (!V2_RESERVED.includes(c)) {
      out += c;
      lineStart = c === '\n';
      i += 1;
      continue;
    }
    const at = byteOffset(src, i);
    if (c === '*') toggle('bold', 1);
    else if (c === '_') src[i + 1] === '_' ? toggle('underline', 2) : toggle('italic', 1);
    else if (c === '~') toggle('strikethrough', 1);
    else if (c === '|' && src[i + 1] === '|') toggle('spoiler', 2);
    else if (c === '`' && src.startsWith('```', i)) {
      const nl = src.indexOf('\n', i + 3);
      const lang = nl < 0 ? '' : src.slice(i + 3, nl);
      const hasLang = nl >= 0 && !/\s/.test(lang) && !lang.includes('`');
      const open: Open = { type: 'pre', tag: 'pre', start: out.length, byteOffset: at };
      if (hasLang && lang) open.language = lang;
      stack.push(open);
      i = hasLang ? nl + 1 : i + 3;
    } else if (c === '`') {
      stack.push({ type: 'code', tag: 'code', start: out.length, byteOffset: at });
      i += 1;
    } else if (c === '[') {
      stack.push({ type: 'text_link', tag: 'a', start: out.length, byteOffset: at });
      i += 1;
    } else if (c === '!' && src[i + 1] === '[') {
      stack.push({ type: 'custom_emoji', tag: 'emoji', start: out.length, byteOffset: at });
      i += 2;
    } else if (c === ']' && (top?.type === 'text_link' || top?.type === 'custom_emoji')) {
      const open = stack.pop()!;
      i += 1;
      if (src[i] === '(') {
        let url = '';
        let j = i + 1;
        for (; j < src.length && src[j] !== ')'; j += 1) {
          if (src[j] === '\\' && j + 1 < src.length) j += 1;
          url += src[j];
        }
        if (j >= src.length)
          throw entityError(`Can't find end of a URL at byte offset ${byteOffset(src, i)}`);
        if (open.type === 'custom_emoji') open.customEmojiId = /id=(\d+)/.exec(url)?.[1] ?? '';
        else open.url = url;
        i = j + 1;
      }
      close(open);
    } else if (c === '>' && wasLineStart) {
      i += 1; // block quotation marker; not tracked as an entity
      if (src[i] === '*' && src[i + 1] === '*') i += 2;
    } else {
      throw entityError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    }
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) {
    const name = V2_NAMES[unclosed.type] ?? unclosed.type;
    throw entityError(`Can't find end of ${name} entity at byte offset ${unclosed.byteOffset}`);
  }
  return { text: out, entities };
}

function parseMarkdownLegacy(src: string): Formatted {
  let out = '';
  const entities: MessageEntity[] = [];
  let i = 0;
  const unclosed = (at: number) => entityError(`Can't find end of the entity starting at byte offset ${at}`);
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\' && '_*`['.includes(src[i + 1] ?? '')) {
      out += src[i + 1];
      i += 2;
      continue;
    }
    if (!'_*`['.includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    const at = byteOffset(src, i);
    const delim = c === '`' && src.startsWith('```', i) ? '```' : c === '[' ? ']' : c;
    const startContent = i + (delim === '```' ? 3 : 1);
    const end = src.indexOf(delim, startContent);
    if (end < 0) throw unclosed(at);
    const content = src.slice(startContent, end);
    const start = out.length;
    out += content;
    const type =
      delim === '```' ? 'pre' : c === '`' ? 'code' : c === '*' ? 'bold' : c === '_' ? 'italic' : 'text_link';
    i = end + delim.length;
    if (type === 'text_link') {
      if (src[i] !== '(') continue;
      const close = src.indexOf(')', i);
      if (close < 0) throw unclosed(at);
      const url = src.slice(i + 1, close);
      i = close + 1;
      if (content.length > 0)
        entities.push({ type: 'text_link', url, offset: start, length: content.length });
    } else if (content.length > 0) {
      entities.push({ type, offset: start, length: content.length } as MessageEntity);
    }
  }
  return { text: out, entities };
}

/** bot_command entities the real server attaches to incoming user messages. */
export function commandEntities(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  for (const m of text.matchAll(
    /(^|\s)(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?)(?=$|[^A-Za-z0-9_@])/g,
  )) {
    out.push({ type: 'bot_command', offset: m.index + m[1]!.length, length: m[2]!.length });
  }
  return out;
}
