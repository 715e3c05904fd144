import { describe, expect, it } from 'vitest';
import { breaks, edges } from '../../scripts/check-layers.js';

describe('the layering rule (scripts/check-layers.ts, run by npm run lint)', () => {
  it('keeps the kernel free of modules, channels, flows and the app', () => {
    expect(breaks('src/kernel/outbox/sender.ts', 'src/kernel/db/db.ts')).toBeNull();
    expect(breaks('src/kernel/chat/dispatcher.ts', 'src/modules/people/index.ts')).toMatch(
      /kernel imports modules/,
    );
    expect(breaks('src/kernel/queue/maintenance.ts', 'src/app/modules.ts')).toMatch(/kernel imports app/);
    expect(breaks('src/kernel/chat/port.ts', 'src/channels/telegram/errors.ts')).toMatch(/kernel/);
  });

  it('lets a module use another only through its index.ts', () => {
    expect(breaks('src/modules/votes/chat.ts', 'src/modules/orgs/index.ts')).toBeNull();
    expect(breaks('src/modules/votes/chat.ts', 'src/modules/orgs/repository.ts')).toMatch(
      /reaches into module orgs/,
    );
    expect(breaks('src/modules/votes/commands/proposals.ts', 'src/modules/votes/counting.ts')).toBeNull();
    expect(breaks('src/modules/votes/http.ts', 'src/kernel/access/errors.ts')).toBeNull();
  });

  it('keeps the generic flow engine and the channels out of the modules', () => {
    expect(breaks('src/flows/flow-engine.ts', 'src/modules/complaints/index.ts')).toMatch(
      /flows imports a module/,
    );
    expect(breaks('src/channels/wechat/inbound.ts', 'src/modules/chats/index.ts')).toMatch(/channels/);
    expect(breaks('src/app/runtime.ts', 'src/modules/complaints/moments.ts')).toBeNull();
  });

  it('reads the imports of src/, static, re-exported and dynamic', () => {
    const all = edges();
    expect(all).toContainEqual({ importer: 'src/app/runtime.ts', imported: 'src/kernel/db/migrate.ts' });
    expect(all.some((e) => e.importer.endsWith('/index.ts') && e.imported.startsWith('src/modules/'))).toBe(
      true,
    );
    expect(all.every((e) => e.imported.startsWith('src/') && e.imported.endsWith('.ts'))).toBe(true);
  });
});
