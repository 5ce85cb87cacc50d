import type { LinkPreview } from '../domain/link-preview.js';

/**
 * Reads a web page for its preview: safe fetching (no private addresses, bounded time and size, HTML only) is the
 * adapter's job. null: no preview for this URL (refused, not HTML, unreachable, nothing to show).
 */
export interface LinkPreviewer {
  preview(url: string): Promise<LinkPreview | null>;
}
