// Files the fake issued a file_id for, with their bytes, as getFile and the download route see them.
// Contract (https://core.telegram.org/bots/api#getfile): a file_id is valid only if the server issued
// it; each file has a file_path served at `/file/bot<token>/<file_path>`; getFile refuses files over
// 20 MB. Paths are fixed at registration (the real server makes them on getFile, valid for an hour).

/** getFile's limit for bots on the public Bot API. */
export const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  bytes: Buffer;
  /** Relative path as getFile returns it, e.g. `photos/file_3.jpg`. */
  filePath: string;
  size: number;
}

export class FileRegistry {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private pathSeq = 0;

  /** Registers bytes under a new file_id; `dir` and `ext` shape its file_path (`photos`, `jpg`). */
  add(fileId: string, fileUniqueId: string, bytes: Buffer, dir = 'photos', ext = 'jpg'): StoredFile {
    const file: StoredFile = {
      fileId,
      fileUniqueId,
      bytes,
      filePath: `${dir}/file_${this.pathSeq++}.${ext}`,
      size: bytes.length,
    };
    this.byId.set(fileId, file);
    this.byPath.set(file.filePath, file);
    return file;
  }

  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  atPath(filePath: string): StoredFile | undefined {
    return this.byPath.get(filePath);
  }
}

const CONTENT_TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' };

/** Content-Type the download route sends for a file_path, by extension. */
export function contentTypeOf(filePath: string): string {
  const ext = /\.([^./]+)$/.exec(filePath)?.[1]?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
