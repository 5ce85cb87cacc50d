import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type LinkPreview, LinkPreviewSchema } from '../../domain/link-preview.js';
import type { TextCache } from '../../ports/cache.js';
import type { LinkPreviewer } from '../../ports/link-preview.js';
import type { Telemetry } from '../../ports/system.js';
import { previewOfHtml } from './html-meta.js';
import type { SafeFetcher } from './safe-fetch.js';

/** A page with nothing to show is remembered for at most this long (it may be down for a minute). */
const NEGATIVE_TTL_SECONDS = 600;

/**
 * Previews through the safe fetcher, cached per URL (the shared cache: Redis on Azure). A URL that gave no preview is
 * remembered too, for a shorter while, so a popular dead link is not fetched by every message that carries it.
 */
export class HttpLinkPreviewer implements LinkPreviewer {
  constructor(
    private readonly fetcher: SafeFetcher,
    private readonly cache: TextCache,
    private readonly ttlSeconds: number,
    private readonly telemetry?: Telemetry,
  ) {}

  async preview(url: string): Promise<LinkPreview | null> {
    const key = `lp:v1:${createHash('sha256').update(url).digest('base64url')}`;
    const cached = await this.cache.get(key);
    if (cached !== null) {
      const parsed = CachedSchema.safeParse(safeJson(cached));
      // why: an entry of an older shape is a miss, not an error
      if (parsed.success) return parsed.data.preview;
    }
    const page = await this.fetcher.fetch(url);
    const preview = page.ok ? previewOfHtml(page.body, page.url, url) : null;
    if (!page.ok) this.telemetry?.log('info', 'no link preview', { reason: page.reason });
    this.telemetry?.event('LinkPreviewFetched', { found: String(preview !== null) });
    const ttl = preview === null ? Math.min(NEGATIVE_TTL_SECONDS, this.ttlSeconds) : this.ttlSeconds;
    await this.cache.set(key, JSON.stringify({ preview }), ttl);
    return preview;
  }
}

const CachedSchema = z.object({ preview: LinkPreviewSchema.nullable() });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
