// Photos as the fake issues them: three PhotoSize entries per photo, each file_id registered.
import type { PhotoSize } from 'grammy/types';
import type { FileRegistry, StoredFile } from './files.js';

/** A real 8×6 baseline JPEG (297 bytes): the default bytes of a user's photo. */
export const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAGAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAP/xAAWEAEBAQAAAAAAAAAAAAAAAAAAAQP/xAAUAQEAAAAAAAAAAAAAAAAAAAAE/8QAGREAAgMBAAAAAAAAAAAAAAAAAAECAxEx/9oADAMBAAIRAxEAPwCWdAOcnoevh//Z',
  'base64',
);

/**
 * The sizes of one photo, smallest first. Every size carries `bytes` (the fake does not rescale),
 * so file_size matches what getFile and a download report. `largest`: an already issued file that
 * keeps its file_id and file_unique_id as the largest size (a photo re-sent by file_id).
 */
export function issuePhoto(
  files: FileRegistry,
  seq: number,
  bytes: Buffer,
  largest?: StoredFile,
): PhotoSize[] {
  const unique = `AQAD${seq}`;
  const size = (suffix: string, width: number, height: number): PhotoSize => {
    const file = files.add(`AgACAgIAAxkBAAI${seq}-${suffix}`, `${unique}-${suffix}`, bytes);
    return { file_id: file.fileId, file_unique_id: file.fileUniqueId, width, height, file_size: file.size };
  };
  const top = largest ?? files.add(`AgACAgIAAxkBAAI${seq}-x`, unique, bytes);
  return [
    size('s', 90, 68),
    size('m', 320, 240),
    { file_id: top.fileId, file_unique_id: top.fileUniqueId, width: 800, height: 600, file_size: top.size },
  ];
}
