import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedBuiltinFlows } from '../../src/app/builtin-flows.js';
import type { Services } from '../../src/app/modules.js';
import { listVersions } from '../../src/flows/flow-repository.js';
import { SYSTEM_ACTOR } from '../../src/kernel/access/principal.js';
import { complaintFlow } from '../../src/modules/complaints/flows/complaint-flow.js';
import { openTestDb, type TestDb } from '../support/db.js';
import { quietServices } from '../support/services.js';

/** A release's complaint flow that differs from today's (its name only). */
const older = { ...complaintFlow, name: { 'zh-CN': '报事', en: 'Report' } };

describe('built-in flows on start', () => {
  let db: TestDb;
  let s: Services;
  beforeEach(async () => {
    db = await openTestDb('pglite');
    s = quietServices(db);
  });
  afterEach(async () => {
    await db.close();
  });
  const published = async () =>
    (await listVersions(db, null, 'complaint'))
      .filter((v) => v.version > 0)
      .map((v) => ({ version: v.version, builtin: v.builtin, name: v.definition.name['zh-CN'] }));

  it('publishes a changed built-in flow as the next version, once; an admin’s own latest version wins', async () => {
    expect(await seedBuiltinFlows(db, s.actions, [older])).toEqual(['complaint']);
    expect(await seedBuiltinFlows(db, s.actions, [complaintFlow])).toEqual(['complaint']);
    expect(await seedBuiltinFlows(db, s.actions, [complaintFlow])).toEqual([]); // unchanged: nothing
    expect(await published()).toEqual([
      { version: 2, builtin: true, name: '报事投诉' },
      { version: 1, builtin: true, name: '报事' },
    ]);

    // an admin publishes their own global version: a release changing the flow does not replace it
    await s.flows.putDraft(SYSTEM_ACTOR, 'complaint', {
      ...complaintFlow,
      name: { 'zh-CN': '我们的报事', en: 'Ours' },
    });
    await s.flows.publish(SYSTEM_ACTOR, 'complaint');
    expect(await seedBuiltinFlows(db, s.actions, [older])).toEqual([]);
    expect((await published())[0]).toEqual({ version: 3, builtin: false, name: '我们的报事' });
  });
});
