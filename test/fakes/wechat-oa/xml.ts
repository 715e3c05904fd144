/**
 * The XML dialect of WeChat's pushes and passive replies: one `<xml>` root whose children are
 * either text (strings always in CDATA, numbers bare) or nested elements (`<Image><MediaId>…`).
 * No attributes, no repeated names that matter: enough for WeChat, not a general XML parser.
 */
export type XmlValue = string | number | bigint | XmlFields;
export interface XmlFields {
  [name: string]: XmlValue;
}

/** `<![CDATA[…]]>`, a `]]>` inside split across two sections */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** `<xml>…</xml>` of the fields in their order: strings as CDATA, numbers and bigints bare */
export function buildXml(fields: XmlFields): string {
  return `<xml>${children(fields)}</xml>`;
}

function children(fields: XmlFields): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) {
    const inner =
      typeof value === 'string' ? cdata(value) : typeof value === 'object' ? children(value) : String(value);
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/** a parsed element: its text, or its children by name (the last one wins on repeats) */
export type XmlNode = string | { [name: string]: XmlNode };

/** the children of the root element; throws on what is not well-formed enough to read */
export function parseXml(xml: string): Record<string, XmlNode> {
  const p = { s: xml, i: 0 };
  skipMisc(p);
  const root = openTag(p);
  if (!root) throw new Error('no root element');
  const node = content(p, root);
  skipMisc(p);
  if (p.i !== p.s.length) throw new Error('content after the root element');
  return typeof node === 'string' ? {} : node;
}

/** a child's text, or '' when absent or not text */
export function text(fields: Record<string, XmlNode>, name: string): string {
  const v = fields[name];
  return typeof v === 'string' ? v : '';
}

interface Cursor {
  s: string;
  i: number;
}

function skipMisc(p: Cursor): void {
  for (;;) {
    while (p.i < p.s.length && /\s/.test(p.s[p.i]!)) p.i++;
    if (p.s.startsWith('<?', p.i)) p.i = expectIndex(p, '?>') + 2;
    else if (p.s.startsWith('<!--', p.i)) p.i = expectIndex(p, '-->') + 3;
    else return;
  }
}

function expectIndex(p: Cursor, token: string): number {
  const at = p.s.indexOf(token, p.i);
  if (at < 0) throw new Error(`missing ${token}`);
  return at;
}

/** reads `<Name>` at the cursor; its name, or undefined when the cursor is not at an opening tag */
function openTag(p: Cursor): string | undefined {
  const m = /^<([A-Za-z_][\w.-]*)\s*>/.exec(p.s.slice(p.i, p.i + 200));
  if (!m) return undefined;
  p.i += m[0].length;
  return m[1]!;
}

function closeTag(p: Cursor, name: string): void {
  const m = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(p.s.slice(p.i, p.i + 200));
  if (!m || m[1] !== name) throw new Error(`expected </${name}> at ${p.i}`);
  p.i += m[0].length;
}

function content(p: Cursor, name: string): XmlNode {
  // text segments; whitespace-only ones between CDATA sections or child elements are layout
  const parts: { text: string; layout: boolean }[] = [];
  let kids: Record<string, XmlNode> | undefined;
  for (;;) {
    if (p.i >= p.s.length) throw new Error(`unclosed <${name}>`);
    if (p.s.startsWith('</', p.i)) {
      closeTag(p, name);
      if (kids) return kids;
      const structured = parts.some((x) => !x.layout);
      return parts
        .filter((x) => !structured || !x.layout)
        .map((x) => x.text)
        .join('');
    }
    if (p.s.startsWith('<![CDATA[', p.i)) {
      const end = expectIndex(p, ']]>');
      parts.push({ text: p.s.slice(p.i + 9, end), layout: false });
      p.i = end + 3;
    } else if (p.s.startsWith('<!--', p.i)) {
      p.i = expectIndex(p, '-->') + 3;
    } else if (p.s[p.i] === '<') {
      const child = openTag(p);
      if (!child) throw new Error(`bad tag at ${p.i}`);
      kids ??= {};
      kids[child] = content(p, child);
    } else {
      const end = p.s.indexOf('<', p.i);
      if (end < 0) throw new Error(`unclosed <${name}>`);
      const raw = decodeEntities(p.s.slice(p.i, end));
      parts.push({ text: raw, layout: raw.trim() === '' });
      p.i = end;
    }
  }
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e]!;
  });
}
