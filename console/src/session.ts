import { computed, ref } from 'vue';
import { api, currentToken, must, TOKEN_KEY } from './api/client';
import type { paths } from './api/schema';

/** GET /api/v1/session: who the token is (role, label, the org it is confined to). */
export type SessionInfo = paths['/api/v1/session']['get']['responses'][200]['content']['application/json'];

export const session = ref<SessionInfo | null>(null);

/** Whether the signed-in token may write (false for a viewer: no write buttons are shown). */
export const canWrite = computed(() => session.value?.canWrite === true);

/**
 * Whether the token may write at an org (its `path`, root first): a writer whose subtree holds it.
 * The API refuses the rest anyway; the console shows no write button for them.
 */
export function mayWriteAt(path: readonly number[] | null | undefined): boolean {
  if (!canWrite.value || !path) return false;
  const mine = session.value?.org;
  return !mine || path.includes(mine.id);
}

/** Signs in with `token`: kept in sessionStorage only if the API accepts it. */
export async function signIn(token: string): Promise<SessionInfo> {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  try {
    session.value = await must(api.GET('/api/v1/session'));
    return session.value;
  } catch (err) {
    sessionStorage.removeItem(TOKEN_KEY);
    session.value = null;
    throw err;
  }
}

/** The session of a token kept from before a reload, or null. */
export async function restore(): Promise<SessionInfo | null> {
  if (session.value) return session.value;
  const token = currentToken();
  if (!token) return null;
  try {
    return await signIn(token);
  } catch {
    return null;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  session.value = null;
}
