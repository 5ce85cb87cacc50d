import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewOfHtml } from '../../shared/adapters/link-preview/html-meta.js';
import { HttpLinkPreviewer } from '../../shared/adapters/link-preview/http-link-previewer.js';
import { SafeFetcher } from '../../shared/adapters/link-preview/safe-fetch.js';
import { MemoryTextCache } from '../../shared/adapters/memory/memory-cache.js';

const PAGE = 'https://site.example/articles/1';

describe('what a page says about itself', () => {
  it('when OpenGraph, Twitter and HTML all speak, then OpenGraph wins, entities are decoded and a relative image is resolved', () => {
    const html = `<html><head><title>HTML title</title>
      <meta name="twitter:title" content="Twitter title"><meta property="og:title" content="OG &quot;title&quot;">
      <meta name="description" content="HTML description"><meta property="og:description" content="  OG
        description  ">
      <meta name="twitter:image" content="https://cdn.example/t.png"><meta property="og:image" content="../img/og.png">
      <meta property="og:site_name" content="Site &amp; Co"></head></html>`;
    expect(previewOfHtml(html, PAGE, 'https://short.example/x')).toEqual({
      url: 'https://short.example/x',
      finalUrl: PAGE,
      title: 'OG "title"',
      description: 'OG description',
      imageUrl: 'https://site.example/img/og.png',
      siteName: 'Site & Co',
    });
  });

  it('when there is no OpenGraph, then Twitter cards, then the title tag and meta description are used', () => {
    const twitter =
      '<meta name="twitter:title" content="T"><meta name="twitter:image:src" content="//cdn.example/i.png">';
    expect(previewOfHtml(twitter, PAGE, PAGE)).toMatchObject({ title: 'T', imageUrl: 'https://cdn.example/i.png' });
    const plain =
      '<TITLE>Plain &lt;page&gt;</TITLE><META NAME="Description" CONTENT="About it"><link rel="image_src" href="/i.jpg">';
    expect(previewOfHtml(plain, PAGE, PAGE)).toMatchObject({
      title: 'Plain <page>',
      description: 'About it',
      imageUrl: 'https://site.example/i.jpg',
      siteName: null,
    });
  });

  it('when the image is javascript: or data:, then it is dropped; a page with nothing to show has no preview', () => {
    expect(
      previewOfHtml('<meta property="og:image" content="javascript:alert(1)"><title>x</title>', PAGE, PAGE),
    ).toMatchObject({ imageUrl: null, title: 'x' });
    expect(previewOfHtml('<meta property="og:image" content="data:image/png;base64,AAAA">', PAGE, PAGE)).toBeNull();
    // an image at a private address literal would send the readers' browsers into their own network
    const internal = '<title>t</title><meta property="og:image" content="http://192.168.1.1/router.png">';
    expect(previewOfHtml(internal, PAGE, PAGE)?.imageUrl).toBeNull();
    expect(previewOfHtml('<html><body><p>just text</p></body></html>', PAGE, PAGE)).toBeNull();
    expect(previewOfHtml('', PAGE, PAGE)).toBeNull();
  });

  it('when a field is very long or the page is cut in the middle of a tag, then fields are bounded and parsing survives', () => {
    const long = 'a'.repeat(5_000);
    const p = previewOfHtml(
      `<title>${long}</title><meta property="og:description" content="${long}"><meta prop`,
      PAGE,
      PAGE,
    );
    expect(p?.title?.length).toBe(300);
    expect(p?.description?.length).toBe(1000);
    expect(p?.title?.endsWith('…')).toBe(true);
  });

  it('when a script or a comment holds tags, then they are not read as the page’s', () => {
    const html =
      '<script>document.write("<meta property=\\"og:title\\" content=\\"evil\\">")</script><!-- <title>no</title> --><title>yes</title>';
    expect(previewOfHtml(html, PAGE, PAGE)?.title).toBe('yes');
  });
});

describe('previews through the cache', () => {
  let server: Server;
  let port = 0;
  let served = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      served++;
      if (req.url === '/none') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>nothing</p>');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<meta property="og:title" content="Cached page">');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('when the same URL is previewed twice within the TTL, then the page is fetched once; after the TTL, again', async () => {
    let now = 1_000_000;
    const cache = new MemoryTextCache(() => now);
    const fetcher = new SafeFetcher({
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      allowedHosts: [{ host: 'cached.test' }],
    });
    const previewer = new HttpLinkPreviewer(fetcher, cache, 3600);
    const url = `http://cached.test:${port}/page`;
    served = 0;
    expect((await previewer.preview(url))?.title).toBe('Cached page');
    expect((await previewer.preview(url))?.title).toBe('Cached page');
    expect(served).toBe(1);
    now += 3_601_000;
    await previewer.preview(url);
    expect(served).toBe(2);
  });

  it('when a URL has no preview, then that is remembered for at most 10 minutes', async () => {
    let now = 5_000_000;
    const cache = new MemoryTextCache(() => now);
    const fetcher = new SafeFetcher({
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      allowedHosts: [{ host: 'cached.test' }],
    });
    const previewer = new HttpLinkPreviewer(fetcher, cache, 86_400);
    const url = `http://cached.test:${port}/none`;
    served = 0;
    expect(await previewer.preview(url)).toBeNull();
    expect(await previewer.preview(url)).toBeNull();
    expect(served).toBe(1);
    now += 601_000;
    await previewer.preview(url);
    expect(served).toBe(2);
  });
});
