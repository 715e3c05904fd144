import type { TestApp } from './app.js';

/**
 * A complaint as the loop would have left it, for the figures' tests (metrics, digest): filed at a
 * compound, then its row set to `row` (created_at, stamps, status, rating…). Not for e2e tests,
 * which reach their scene through the API and the chat.
 */
export async function complaintFixture(
  t: TestApp,
  compoundId: number,
  category: string,
  row: Record<string, unknown>,
  loc?: { building: string; unit: string; room: string },
): Promise<number> {
  return t.db.transaction(async (tx) => {
    const c = await t.services.complaints.file(tx, {
      compoundId,
      reporterId: null,
      anonymous: false,
      category,
      description: `${category} fixture`,
      photos: [],
      ...loc,
    });
    const keys = Object.keys(row);
    await tx.query(
      `UPDATE linli.complaints SET ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [c.id, ...Object.values(row)],
    );
    return c.id;
  });
}
