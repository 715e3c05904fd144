import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

/**
 * SVG → PNG on the server, with no browser (resvg, a Rust renderer): how Linli draws the charts it
 * posts (the monthly digest's). Chinese text needs a CJK font file: resvg reads TrueType/OpenType
 * (and collections), not the woff2 that npm's font packages ship, so the font comes from the OS —
 * Debian's `fonts-wqy-microhei` (4 MB, installed by `.ci/run`) or `fonts-noto-cjk` — or from
 * `LINLI_CHART_FONT`. Without one there is no chart (the text still goes): `pngRenderer` is null.
 */

/** Where Debian's CJK font packages put their files, and each one's family name. */
export const CJK_FONTS: readonly { path: string; family: string }[] = [
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYi Micro Hei' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK SC' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYi Zen Hei' },
  { path: '/usr/share/fonts/truetype/arphic/uming.ttc', family: 'AR PL UMing CN' },
];

/** The font a chart is drawn with: the configured file, else the first CJK font installed; null if none. */
export function findCjkFont(configured?: string): string | null {
  if (configured) return existsSync(configured) ? configured : null;
  return CJK_FONTS.find((f) => existsSync(f.path))?.path ?? null;
}

export interface PngRenderer {
  /** the font file it draws text with */
  readonly fontFile: string;
  /** The SVG as PNG bytes; the SVG's text in `font-family="sans-serif"` is drawn in the font. */
  png(svg: string): Buffer;
}

/** A renderer drawing with `fontFile`, or null when there is none (no CJK font on this machine). */
export function pngRenderer(fontFile: string | null): PngRenderer | null {
  if (!fontFile) return null;
  const family = CJK_FONTS.find((f) => f.path === fontFile)?.family;
  return {
    fontFile,
    png(svg) {
      const r = new Resvg(svg, {
        // only the one font: the system's others are neither needed nor the same on every machine;
        // a family resvg does not know falls back to the loaded font
        font: {
          fontFiles: [fontFile],
          loadSystemFonts: false,
          ...(family ? { defaultFontFamily: family, sansSerifFamily: family } : {}),
        },
        background: '#ffffff',
      });
      return r.render().asPng();
    },
  };
}

/** `&<>"'` escaped, for text put into SVG. */
export function xmlText(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}
