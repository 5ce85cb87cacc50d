import type { ProfaneSpan } from '../domain/content/profanity.js';

/** Finds profanity in text: a maintained word list, case, spacing and lookalike letters handled by the adapter. */
export interface ProfanityScanner {
  /** The profane spans of the text, in order (empty when clean). */
  scan(text: string): ProfaneSpan[];
}

/** Renders the markdown subset of a message to HTML that is safe to put into a page as it is. */
export interface MarkdownRenderer {
  render(text: string): string;
}
