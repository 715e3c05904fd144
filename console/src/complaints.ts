import { onBeforeUnmount, onMounted, reactive, ref } from 'vue';
import { api } from './api/client';
import type { Complaint } from './api/types';
import { locale } from './i18n';

export const STATUSES = [
  'submitted',
  'accepted',
  'in_progress',
  'resolved',
  'closed',
  'rejected',
  'reopened',
  'withdrawn',
] as const;
export const LEVELS = ['compound', 'community', 'subdistrict', 'district', 'city'] as const;
export const HANDLER_ROLES = ['handler', 'grid_worker', 'property_manager'] as const;

/** The actions an admin token may send (POST /complaints/{id}/actions), by the statuses they start from
 * (src/modules/complaints/lifecycle.ts, TRANSITIONS); the API decides in the end (409 otherwise). */
const OPEN = ['submitted', 'accepted', 'in_progress', 'reopened'];
const NOT_FINAL = [...OPEN, 'resolved', 'rejected'];
export const ACTION_FROM = {
  accept: ['submitted', 'reopened'],
  start: ['accepted'],
  resolve: ['accepted', 'in_progress'],
  assign: NOT_FINAL,
  transfer: OPEN,
  return: OPEN,
  note: NOT_FINAL,
  reject: OPEN,
  close: ['resolved', 'rejected'],
  reopen: ['resolved'],
} as const satisfies Record<string, readonly string[]>;
export type ConsoleAction = keyof typeof ACTION_FROM;
/** Actions the API refuses without a note. */
export const NEEDS_NOTE: ConsoleAction[] = ['reject', 'return'];

export function actionsFor(status: string): ConsoleAction[] {
  return (Object.keys(ACTION_FROM) as ConsoleAction[]).filter((a) =>
    (ACTION_FROM[a] as readonly string[]).includes(status),
  );
}

/** The deadline running now: acknowledging while submitted/reopened, else resolving while open. */
export function runningDeadline(c: Complaint): { kind: 'ack' | 'resolve'; at: Date } | null {
  if (!OPEN.includes(c.status)) return null;
  if ((c.status === 'submitted' || c.status === 'reopened') && c.ackDueAt)
    return { kind: 'ack', at: new Date(c.ackDueAt) };
  if (c.resolveDueAt) return { kind: 'resolve', at: new Date(c.resolveDueAt) };
  return null;
}

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;
/** A clock ticking every second while a component using it is mounted (the SLA countdowns). */
export function useNow() {
  onMounted(() => {
    if (users++ === 0) timer = setInterval(() => (now.value = Date.now()), 1000);
  });
  onBeforeUnmount(() => {
    if (--users === 0) clearInterval(timer);
  });
  return now;
}

/** "2天3小时" / "2d 3h": the time between now and `ms` (absolute). */
export function span(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const zh = locale.value !== 'en';
  const parts: string[] = [];
  if (d) parts.push(zh ? `${d}天` : `${d}d`);
  if (d || h) parts.push(zh ? `${h}小时` : `${h}h`);
  if (!d) parts.push(zh ? `${m}分` : `${m}m`);
  if (!d && !h) parts.push(zh ? `${sec}秒` : `${sec}s`);
  return parts.join(zh ? '' : ' ');
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString(locale.value === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    hour12: false,
  });
}

export function statusType(status: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  if (status === 'submitted' || status === 'reopened') return 'warning';
  if (status === 'accepted' || status === 'in_progress') return 'primary';
  if (status === 'resolved' || status === 'closed') return 'success';
  if (status === 'rejected') return 'danger';
  return 'info';
}

/**
 * Category names as the complaint's compound calls them (GET /orgs/{id}/complaint-categories: its
 * own list, an ancestor's, or the built-in one), read once per org and kept for the tab's life.
 * Until read, or when the token may not read them, the code itself is shown.
 */
const categoryLists = reactive(new Map<number, Map<string, { zh: string; en: string }>>());
const asked = new Set<number>();

export function loadCategories(orgIds: Iterable<number>): void {
  for (const orgId of orgIds) {
    if (asked.has(orgId)) continue;
    asked.add(orgId);
    void api
      .GET('/api/v1/orgs/{id}/complaint-categories', { params: { path: { id: orgId } } })
      .then(({ data }) => {
        if (data) categoryLists.set(orgId, new Map(data.items.map((c) => [c.code, c])));
      });
  }
}

export function categoryName(orgId: number, code: string): string {
  const c = categoryLists.get(orgId)?.get(code);
  return c ? (locale.value === 'en' ? c.en : c.zh) : code;
}
