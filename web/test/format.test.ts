import { describe, expect, it } from 'vitest';
import { MarkdownHtmlRenderer } from '../../shared/adapters/content/markdown-html.js';
import { isPlainParagraph } from '../src/format.js';

// The server's own renderer makes the inputs: the client's check must hold for what the pipeline really stores.
describe('isPlainParagraph (text shown with its mentions instead of the HTML)', () => {
  const render = (text: string) => new MarkdownHtmlRenderer().render(text);

  it.each(['thanks @bob.x 👋', 'a "quote" & <b> it\'s', 'pay with •••• 1111 please', ':) hi'])(
    'plain text %j is one plain paragraph',
    (text) => expect(isPlainParagraph(render(text))).toBe(true),
  );

  it.each(['**bold** @bob', 'line1\nline2', 'see http://example.com/a', '- a\n- b', '`code`'])(
    'formatted text %j keeps its HTML',
    (text) => expect(isPlainParagraph(render(text))).toBe(false),
  );
});
