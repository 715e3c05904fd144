import type { Logger } from 'pino';
import type { ChannelName, DeliveryChannel, OutboundMessage } from '../chat/port.js';
import type { Queryable } from '../db/db.js';
import { asPhoto, sniffImage } from './image-type.js';
import { findMedia, GENERATED, type KeptMedia, mediaIdOf, storeMediaBytes } from './media-store.js';

/** Reads a platform's file by its own reference (Telegram: getFile, then the download). */
export type MediaFetcher = (ref: string) => Promise<{ bytes: Buffer; contentType?: string }>;
export type MediaFetchers = Partial<Record<ChannelName, MediaFetcher>>;

export interface PhotoBytes {
  bytes: Buffer;
  contentType: string;
}

/**
 * A kept photo's bytes: stored, else fetched from the platform it came from and kept; null when
 * neither can be had (no fetcher for that platform, the platform refuses, not an image or too big).
 */
export async function photoBytes(
  q: Queryable,
  row: KeptMedia,
  fetchers: MediaFetchers,
): Promise<PhotoBytes | null> {
  if (row.bytes)
    return {
      bytes: row.bytes,
      contentType: row.content_type ?? sniffImage(row.bytes) ?? 'application/octet-stream',
    };
  const fetch = row.channel === GENERATED ? undefined : fetchers[row.channel];
  if (!fetch) return null;
  const photo = asPhoto((await fetch(row.ref)).bytes);
  if (!photo) return null;
  await storeMediaBytes(q, row.id, photo.bytes, photo.contentType);
  return photo;
}

/** The bytes of `media:<id>`, or null when it names no kept photo or they cannot be had. */
export async function keptPhoto(
  q: Queryable,
  ref: string,
  fetchers: MediaFetchers,
): Promise<PhotoBytes | null> {
  const id = mediaIdOf(ref);
  const row = id === null ? null : await findMedia(q, id);
  return row ? photoBytes(q, row, fetchers) : null;
}

/**
 * An outbound message as `channel` can send it: a `media:<id>` photo becomes the platform's own
 * file id when it came from that platform and the platform can send by id (Telegram), else its
 * bytes (uploaded). A photo that cannot be had is left out, with a line saying so: the text still
 * goes. Platform refs that are not `media:` pass as they are.
 */
export async function resolveOutboundMedia(
  q: Queryable,
  channel: DeliveryChannel,
  message: OutboundMessage,
  fetchers: MediaFetchers,
  logger?: Logger,
): Promise<OutboundMessage> {
  const id = message.media ? mediaIdOf(message.media.ref) : null;
  if (!message.media || id === null) return message;
  const row = await findMedia(q, id);
  if (row && row.channel === channel && channel === 'telegram')
    return { ...message, media: { kind: message.media.kind, ref: row.ref } };
  let bytes: PhotoBytes | null = null;
  try {
    bytes = row ? await photoBytes(q, row, fetchers) : null;
  } catch (err) {
    // a platform's answer we could not read: the text goes without the photo
    logger?.warn({ err, mediaId: id }, 'photo could not be fetched: sent without it');
  }
  if (bytes) return { ...message, media: { kind: message.media.kind, ref: message.media.ref, data: bytes } };
  const { media: _dropped, ...rest } = message;
  const missing = message.locale === 'en' ? '(The photo could not be forwarded.)' : '（照片无法转发）';
  return { ...rest, text: message.text ? `${message.text}\n${missing}` : missing };
}
