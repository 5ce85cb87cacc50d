// MarkdownRenderer: a small markdown subset (emphasis, strike, code, links, lists, quotes, line breaks) rendered by
// markdown-it with raw HTML off, then passed through sanitize-html with an allow-list: what comes out is safe to
// insert into a page even if the renderer had a bug.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { MarkdownRenderer } from '../../ports/content.js';

const REL = 'noopener noreferrer nofollow';

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 's', 'del', 'code', 'pre', 'a', 'ul', 'ol', 'li', 'blockquote'],
  allowedAttributes: { a: ['href', 'rel', 'target'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: REL, target: '_blank' } }),
  },
};

export class MarkdownHtmlRenderer implements MarkdownRenderer {
  private readonly md: ReturnType<typeof MarkdownIt>;

  constructor() {
    // why 'zero': every rule off, then only the subset on (no images, tables, headings or raw HTML)
    this.md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true }).enable([
      'paragraph',
      'newline',
      'escape',
      'backticks',
      'emphasis',
      'strikethrough',
      'link',
      'autolink',
      'linkify',
      'list',
      'blockquote',
      'fence',
      'code',
      'entity',
    ]);
  }

  render(text: string): string {
    return plainParagraph(text) ?? this.renderFully(text);
  }

  /** Through markdown-it and sanitize-html, without the plain-text shortcut. */
  renderFully(text: string): string {
    return sanitizeHtml(this.md.render(text), SANITIZE).trim();
  }
}

// why: most chat lines are one line of words and punctuation that no markdown rule touches; rendering those through
// markdown-it and sanitize-html cost ~4% of the send path. A test checks the shortcut against the full render.
const MARKUP = /[\p{Cc}\p{Zl}\p{Zp}*_~`[\]<>#&\\|@/:=]|\.[\p{L}\p{N}]/u;
const BLOCK_START = /^(?:\d{1,9}[.)]|[-+])(?:\s|$)/;

/** `<p>text</p>` when no markdown rule, link or entity can apply to the text; undefined otherwise. */
export function plainParagraph(text: string): string | undefined {
  if (text === '' || text !== text.trim() || MARKUP.test(text) || BLOCK_START.test(text)) return undefined;
  return `<p>${text}</p>`;
}
