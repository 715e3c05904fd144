import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WechatAdapter } from '../../../src/channels/wechat/wechat-adapter.js';
import { createWechaty } from '../../../src/channels/wechat/wechaty-factory.js';

const execFileAsync = promisify(execFile);

describe('createWechaty', () => {
  it('names WECHATY_PUPPET when it is unset, malformed or not installed', async () => {
    await expect(createWechaty({ puppet: undefined })).rejects.toThrow(/^WECHATY_PUPPET is not set/);
    await expect(createWechaty({ puppet: '  ' })).rejects.toThrow(/^WECHATY_PUPPET is not set/);
    await expect(createWechaty({ puppet: 'lodash' })).rejects.toThrow(
      'WECHATY_PUPPET=lodash is not a Wechaty puppet package name',
    );
    await expect(createWechaty({ puppet: 'wechaty-puppet-not-installed' })).rejects.toThrow(
      /^WECHATY_PUPPET=wechaty-puppet-not-installed: the puppet package cannot be loaded/,
    );
  });

  it('builds a not-yet-started Wechaty with the puppet service, its settings and its transport', async () => {
    await expect(createWechaty({ puppet: 'wechaty-puppet-service' })).rejects.toThrow(
      /needs WECHATY_PUPPET_SERVICE_TOKEN/,
    );
    const { wechaty: w, transport } = await createWechaty({
      puppet: 'wechaty-puppet-service',
      service: {
        token: 'insecure_test_token',
        endpoint: '127.0.0.1:1',
        authority: 'api.chatie.io',
        tls: { disabled: true, caCert: undefined, serverName: undefined },
      },
    });
    expect(w.state.active()).toBe(false);
    expect(transport).toBeDefined();
    // sending before start (no puppet yet, wechaty.isLoggedIn would throw NOPUPPET): it waits
    const adapter = new WechatAdapter({ wechaty: w, logger: pino({ level: 'silent' }) });
    await expect(
      adapter.send({ chat: { externalId: 'x@chatroom', kind: 'group' }, text: 'hi' }),
    ).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('the adapter starts a Wechaty it did not find running, and stops it again', async () => {
    const { wechaty: w, transport } = await createWechaty({ puppet: 'wechaty-puppet-mock' });
    expect(transport).toBeUndefined();
    const adapter = new WechatAdapter({ wechaty: w, logger: pino({ level: 'silent' }) });
    await adapter.start(async () => {});
    expect(w.state.active()).toBe(true);
    expect(adapter.status().state).toBe('connecting');
    await expect(adapter.start(async () => {})).rejects.toThrow('already started');
    await adapter.stop();
    expect(w.state.active()).toBe(false);
  });

  it('everything stops: a child process running adapters exits on its own', async () => {
    const script = fileURLToPath(new URL('./exit-check.ts', import.meta.url));
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      timeout: 30_000,
      env: { ...process.env, WECHATY_LOG: 'silent' },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual({ handled: 2, sent: 2, left: [] });
  });
});
