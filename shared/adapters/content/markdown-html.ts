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
    return sanitizeHtml(this.md.render(text), SANITIZE).trim();
  }
}
