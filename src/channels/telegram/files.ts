import type { MediaFetcher } from '../../kernel/media/resolve.js';

/** The Bot API's own limit for files a bot may download (getFile). */
const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/**
 * Reads a Telegram file by its file_id as the Bot API allows: `getFile` names its path, then
 * `<apiRoot>/file/bot<token>/<path>` serves the bytes (valid for an hour; asked afresh each time).
 * A refusal (an unknown id, a file over 20 MB) throws with Telegram's description.
 */
export function telegramFileFetcher(token: string, apiRoot: string): MediaFetcher {
  const root = apiRoot.replace(/\/+$/, '');
  return async (fileId) => {
    const res = await fetch(`${root}/bot${token}/getFile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file_id: fileId }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as {
      ok: boolean;
      description?: string;
      result?: { file_path?: string; file_size?: number };
    };
    if (!body.ok || !body.result?.file_path)
      throw new Error(`telegram getFile: ${body.description ?? res.status}`);
    if ((body.result.file_size ?? 0) > DOWNLOAD_LIMIT) throw new Error('telegram getFile: file is too big');
    const file = await fetch(`${root}/file/bot${token}/${body.result.file_path}`, {
      signal: AbortSignal.timeout(60_000),
    });
    if (!file.ok) throw new Error(`telegram file download: HTTP ${file.status}`);
    const bytes = Buffer.from(await file.arrayBuffer());
    return { bytes, contentType: file.headers.get('content-type') ?? undefined };
  };
}
