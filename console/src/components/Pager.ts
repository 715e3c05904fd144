import { ref } from 'vue';
import { errorText } from '../api/errors';

/** A list paged by the API's nextCursor: `load(false)` replaces, `load(true)` appends the next page. */
export function usePaged<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
) {
  const rows = ref<T[]>([]);
  const cursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref('');
  async function load(more = false) {
    loading.value = true;
    error.value = '';
    try {
      const page = await fetchPage(more ? (cursor.value ?? undefined) : undefined);
      rows.value = more ? [...(rows.value as T[]), ...page.items] : page.items;
      cursor.value = page.nextCursor;
    } catch (err) {
      error.value = errorText(err);
    } finally {
      loading.value = false;
    }
  }
  return { rows, cursor, loading, error, load };
}
