import { ft } from '../i18n/flows';
import type { Flow, FlowSummary } from './api';

/** Where the version in force of a flow comes from, seen from the org asked for. */
export function sourceOf(f: Pick<FlowSummary, 'orgId' | 'builtin'>, orgId: number | null): string {
  if (f.orgId !== null && f.orgId === orgId) return ft('own');
  if (f.orgId === null) return f.builtin ? ft('builtin') : ft('global');
  return ft('inherited');
}

/** The org's own state of a flow: draft, published, or inherited (none of its own). */
export function statusText(s: Flow['status']): string {
  return s === 'draft' ? ft('draft') : s === 'published' ? ft('published') : ft('inheritedStatus');
}
export function statusType(s: Flow['status']): 'warning' | 'success' | 'info' {
  return s === 'draft' ? 'warning' : s === 'published' ? 'success' : 'info';
}

/** A flow's triggers in a line: `/complaint`, `投诉`, `▸payload`, `⚙event`. */
export function triggersText(triggers: FlowSummary['triggers']): string {
  return triggers
    .map((t) =>
      t.type === 'command'
        ? `/${t.command}`
        : t.type === 'keyword'
          ? t.keywords.join('、')
          : t.type === 'button'
            ? `▸${t.payload}`
            : `⚙${t.event}`,
    )
    .join(' · ');
}
