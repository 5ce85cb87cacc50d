/** Link previews: which URLs of a message get one, and what a preview holds (the seed's LinkPreview). */
import { z } from 'zod';

export const LinkPreviewSchema = z
  .strictObject({
    url: z.string().describe('the URL as written in the message'),
    /** Where the page was finally read from, after redirects. */
    finalUrl: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    imageUrl: z.string().nullable(),
    siteName: z.string().nullable(),
  })
  .describe('LinkPreview');
export type LinkPreview = z.infer<typeof LinkPreviewSchema>;

/** What a preview keeps of each field: enough for a card, never a page. */
export const PREVIEW_FIELD_CHARS = { title: 300, description: 1000, url: 2000, siteName: 100 } as const;

// why: a URL in chat text ends at whitespace, quotes or angle brackets; trailing punctuation is the sentence's
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"”’»)\]}>]+$/;

/** Strips sentence punctuation after a URL, keeping a closing bracket the URL itself opened (wiki-style links). */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const m = TRAILING.exec(url);
    if (!m) return url;
    const last = url.slice(-1);
    const open = last === ')' ? '(' : last === ']' ? '[' : undefined;
    if (open !== undefined && url.split(open).length > url.split(last).length - 1) return url;
    url = url.slice(0, -1);
  }
}

/** The first `max` distinct http(s) URLs written in the text, in order. */
export function urlsIn(text: string, max: number): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(URL_IN_TEXT)) {
    if (found.length >= max) break;
    const url = trimUrl(m[0]);
    if (url.length > PREVIEW_FIELD_CHARS.url || !URL.canParse(url)) continue;
    if (!found.includes(url)) found.push(url);
  }
  return found;
}

/** The message without its link previews (an edit: they describe the old text). */
export function withoutLinkPreviews<T extends { metadata?: { linkPreviews?: unknown } }>(message: T): T {
  if (message.metadata?.linkPreviews === undefined) return message;
  const { linkPreviews: _gone, ...metadata } = message.metadata;
  return { ...message, metadata };
}
