/**
 * The XML WeChat speaks to an Official Account's server: one flat `<xml>` element whose children
 * are text (`<![CDATA[…]]>` or plain, entities decoded); nested elements (`ScanCodeInfo`,
 * `SendLocationInfo`) are flattened, their children read by name. Anything else is refused.
 */
export function parseFlatXml(xml: string): Record<string, string> | null {
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<xml>([\s\S]*)<\/xml>\s*$/.exec(xml);
  if (!root) return null;
  const fields: Record<string, string> = {};
  const child = /<([A-Za-z_][\w.-]*)>((?:<!\[CDATA\[[\s\S]*?\]\]>|[^<])*)<\/\1>/g;
  for (let m = child.exec(root[1]!); m; m = child.exec(root[1]!)) {
    const name = m[1]!;
    if (!(name in fields)) fields[name] = textOf(m[2] ?? '');
  }
  return fields;
}

/** an element's text: CDATA sections as they are (one split by a writer joined again), entities elsewhere decoded */
function textOf(inner: string): string {
  let out = '';
  const part = /<!\[CDATA\[([\s\S]*?)\]\]>|([^<]+)/g;
  for (let m = part.exec(inner); m; m = part.exec(inner))
    out += m[1] !== undefined ? m[1] : decodeEntities(m[2] ?? '');
  return out;
}

/** `<xml>` with each field as CDATA (numbers as plain text), as WeChat expects a reply. */
export function buildXml(fields: Record<string, string | number>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}>${cdata(v)}</${k}>`))
    .join('');
  return `<xml>${body}</xml>`;
}

function cdata(s: string): string {
  return `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (all, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
