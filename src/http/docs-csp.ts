import { createHash } from 'node:crypto';

/**
 * The inline `<style>` elements Swagger UI renders: the logo SVG of
 * swagger-ui-standalone-preset.js (@fastify/swagger-ui 5.2.6, pinned). Allowed by their hashes
 * rather than 'unsafe-inline'; test/http/security-headers.test.ts fails when an upgrade changes
 * them (Chromium then reports "Applying inline style violates … style-src").
 */
export const SWAGGER_UI_INLINE_STYLES = [
  '.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}',
] as const;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The CSP of Swagger UI under /docs (set by @fastify/swagger-ui on its own routes, replacing the
 * API's): its page loads only its own scripts and stylesheets from /docs/static (its HTML has no
 * inline script or style), fetches the spec and "try it out" calls from this origin, shows data:
 * images (its icons), and renders the inline styles above. Checked in headless Chromium: the UI
 * renders with no CSP violation. No upgrade-insecure-requests: it would send a plain-HTTP
 * development instance's own asset requests to https.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  `style-src 'self' ${SWAGGER_UI_INLINE_STYLES.map(hash).join(' ')}`,
].join('; ');
