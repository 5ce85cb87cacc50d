// The pure half of the spam guard: what counts as "the same text" and as a link. The counting is in shared state.
import { createHash } from 'node:crypto';

/** The same message for the repeat rule: case, width variants and runs of whitespace do not make it different. */
export function repeatFingerprint(text: string): string {
  const normal = text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
  return createHash('sha256').update(normal).digest('base64url').slice(0, 22);
}

const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"']+/giu;

/** The links in a text (http/https URLs and www. hosts). */
export const linksIn = (text: string): string[] => [...text.matchAll(LINK)].map((m) => m[0]);
