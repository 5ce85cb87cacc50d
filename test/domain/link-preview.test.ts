import { describe, expect, it } from 'vitest';
import { urlsIn, withoutLinkPreviews } from '../../shared/domain/link-preview.js';

describe('the URLs of a message that get a preview', () => {
  it.each([
    ['see https://example.com/a.', ['https://example.com/a']],
    ['(https://example.com/a) and http://b.example/x?y=1#z!', ['https://example.com/a', 'http://b.example/x?y=1#z']],
    ['https://en.wikipedia.org/wiki/Foo_(bar), nice', ['https://en.wikipedia.org/wiki/Foo_(bar)']],
    ['"https://example.com/q"', ['https://example.com/q']],
    ['<https://example.com/angle>', ['https://example.com/angle']],
    ['HTTPS://EXAMPLE.COM/UP', ['HTTPS://EXAMPLE.COM/UP']],
    ['same https://a.example/ twice https://a.example/', ['https://a.example/']],
    ['no scheme www.example.com, ftp://files.example/x, javascript:alert(1)', []],
    ['mailto:someone@example.com and https://', []],
  ])('%s → %j', (text, urls) => {
    expect(urlsIn(text, 5)).toEqual(urls);
  });

  it('when a message has more URLs than the limit, then only the first N distinct ones are taken', () => {
    const text = 'https://a.example https://b.example https://a.example https://c.example https://d.example';
    expect(urlsIn(text, 3)).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
    expect(urlsIn(text, 0)).toEqual([]);
  });

  it('when an edit drops the previews, then other metadata stays', () => {
    const m = { id: 'm', metadata: { linkPreviews: [], other: 1 } as { linkPreviews?: unknown[]; other: number } };
    expect(withoutLinkPreviews(m)).toEqual({ id: 'm', metadata: { other: 1 } });
    const bare: { id: string; metadata?: { linkPreviews?: unknown[] } } = { id: 'n' };
    expect(withoutLinkPreviews(bare)).toEqual({ id: 'n' });
  });
});
