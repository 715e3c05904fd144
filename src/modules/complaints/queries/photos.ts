import { AppError, notFound } from '../../../kernel/access/errors.js';
import type { Principal } from '../../../kernel/access/principal.js';
import type { Db } from '../../../kernel/db/db.js';
import { asPhoto } from '../../../kernel/media/image-type.js';
import { mediaIdOf } from '../../../kernel/media/media-store.js';
import { keptPhoto, type MediaFetchers, type PhotoBytes } from '../../../kernel/media/resolve.js';
import { findComplaint } from '../repository.js';
import { allPhotos, complaintDetail } from './complaints.js';

/**
 * A complaint's photos as bytes over the API (`photos[n]` of the detail, the resident's, and the
 * handlers' on its timeline): a kept photo's stored bytes, or a Telegram one fetched through the
 * bot (getFile) and kept. Only for a token that sees the complaint; only images (by their bytes),
 * at most MAX_PHOTO_BYTES.
 */
export class ComplaintPhotoService {
  constructor(
    private readonly db: Db,
    private readonly fetchers: MediaFetchers,
  ) {}

  async photo(p: Principal, complaintId: number, n: number): Promise<PhotoBytes> {
    const c = await complaintDetail(this.db, () => new Date(), p, complaintId);
    const ref = allPhotos(c)[n];
    if (ref === undefined) throw notFound('photo of complaint', complaintId);
    const got = await this.bytesOf(ref, (await findComplaint(this.db, complaintId))?.channel ?? null);
    if (!got)
      throw new AppError(502, 'photo_unavailable', 'The photo cannot be fetched from its platform now');
    return got;
  }

  private async bytesOf(ref: string, channel: string | null): Promise<PhotoBytes | null> {
    if (mediaIdOf(ref) !== null) return keptPhoto(this.db, ref, this.fetchers);
    // a photo from before photos were kept: a Telegram file id
    const fetch = channel === 'telegram' ? this.fetchers.telegram : undefined;
    if (!fetch) return null;
    return asPhoto((await fetch(ref)).bytes);
  }
}
