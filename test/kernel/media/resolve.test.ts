import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../../src/kernel/chat/port.js';
import type { Db } from '../../../src/kernel/db/db.js';
import { sniffImage } from '../../../src/kernel/media/image-type.js';
import { findMedia, keepMedia, mediaIdOf } from '../../../src/kernel/media/media-store.js';
import { type MediaFetchers, resolveOutboundMedia } from '../../../src/kernel/media/resolve.js';
import { TINY_JPEG } from '../../fakes/telegram/photos.js';
import { openTestDb } from '../../support/db.js';
import { engines } from '../../support/env.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const to = (ref: string): OutboundMessage => ({
  chat: { externalId: 'x', kind: 'private' },
  text: '报事 1 的现场照片',
  media: { kind: 'photo', ref },
});

describe.each(engines())('kept photos and how each channel sends them (%s)', (engine) => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb(engine);
  });
  afterEach(async () => db.close());

  it('one row per platform file; WeChat bytes kept as they came', async () => {
    const a = await keepMedia(db, 'telegram', { kind: 'photo', ref: 'AgAC-1' });
    expect(await keepMedia(db, 'telegram', { kind: 'photo', ref: 'AgAC-1' })).toBe(a);
    const w = await keepMedia(db, 'wechat', {
      kind: 'photo',
      ref: 'msg-1',
      data: { bytes: PNG, contentType: 'image/png' },
    });
    expect(w).not.toBe(a);
    const row = await findMedia(db, mediaIdOf(w)!);
    expect(row).toMatchObject({ channel: 'wechat', ref: 'msg-1', content_type: 'image/png', bytes: PNG });
  });

  it('Telegram sends its own photo by file id; WeChat gets the bytes, fetched once from Telegram and kept', async () => {
    const ref = await keepMedia(db, 'telegram', { kind: 'photo', ref: 'AgAC-2' });
    let fetched = 0;
    const fetchers: MediaFetchers = {
      telegram: async (id) => {
        fetched++;
        expect(id).toBe('AgAC-2');
        return { bytes: TINY_JPEG };
      },
    };
    expect((await resolveOutboundMedia(db, 'telegram', to(ref), fetchers)).media).toEqual({
      kind: 'photo',
      ref: 'AgAC-2',
    });
    expect(fetched).toBe(0);
    for (let i = 0; i < 2; i++) {
      const out = await resolveOutboundMedia(db, 'wechat', to(ref), fetchers);
      expect(out.media?.data).toEqual({ bytes: TINY_JPEG, contentType: 'image/jpeg' });
    }
    expect(fetched).toBe(1);
  });

  it('a WeChat photo is uploaded to Telegram; a photo nobody can give goes as a line, the text still goes', async () => {
    const w = await keepMedia(db, 'wechat', {
      kind: 'photo',
      ref: 'msg-2',
      data: { bytes: PNG, contentType: 'image/png' },
    });
    expect((await resolveOutboundMedia(db, 'telegram', to(w), {})).media?.data?.contentType).toBe(
      'image/png',
    );
    const t = await keepMedia(db, 'telegram', { kind: 'photo', ref: 'AgAC-3' });
    const none = await resolveOutboundMedia(db, 'wechat', to(t), {});
    expect(none.media).toBeUndefined();
    expect(none.text).toBe('报事 1 的现场照片\n（照片无法转发）');
    const notImage = await resolveOutboundMedia(db, 'wechat', to(t), {
      telegram: async () => ({ bytes: Buffer.from('<html>') }),
    });
    expect(notImage.media).toBeUndefined();
    // a platform's own ref passes untouched
    expect(await resolveOutboundMedia(db, 'telegram', to('AgAC-raw'), {})).toEqual(to('AgAC-raw'));
  });

  it('knows an image by its first bytes', () => {
    expect(sniffImage(TINY_JPEG)).toBe('image/jpeg');
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImage(Buffer.from('%PDF-1.4'))).toBeNull();
  });
});
