import { reactive } from 'vue';
import { api, must } from '../api/client';

/**
 * Org names by id, fetched once each (GET /orgs/:id) for lists that hold only ids; an org the
 * token cannot see keeps its `#id`. Shared by every page of the console.
 */
const names = reactive(new Map<number, string>());
const asked = new Set<number>();

export function orgName(id: number | null | undefined): string {
  if (id === null || id === undefined) return '';
  return names.get(id) ?? `#${id}`;
}

export function learnOrgNames(ids: Iterable<number | null | undefined>): void {
  for (const id of ids) {
    if (id === null || id === undefined || asked.has(id)) continue;
    asked.add(id);
    must(api.GET('/api/v1/orgs/{id}', { params: { path: { id } } }))
      .then((o) => names.set(o.id, o.name))
      .catch(() => {});
  }
}
