import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPublicAddress, type ResolvedAddress, SafeFetcher } from '../../shared/adapters/link-preview/safe-fetch.js';

/*
 * SSRF cases against real local servers. The resolver is the test's: every name answers what the case needs, and
 * nothing is ever dialed outside 127.0.0.0/8 (addresses outside it are only ever refused before connecting).
 */

interface Hit {
  path: string;
  host: string | undefined;
  localAddress: string | undefined;
}

const OG_PAGE = `<!doctype html><html><head>
<meta property="og:title" content="The &amp; Title">
<meta property="og:description" content="What the page is about">
<meta property="og:image" content="/img/card.png">
<meta property="og:site_name" content="Example News">
<title>Fallback title</title></head><body>hi</body></html>`;

let server: Server;
let port = 0;
const hits: Hit[] = [];
/** Responses still open when the client went away (huge and slow bodies). */
const cut: string[] = [];

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  hits.push({ path, host: req.headers.host, localAddress: req.socket.localAddress });
  res.on('close', () => {
    if (!res.writableFinished) cut.push(path);
  });
  const html = { 'content-type': 'text/html; charset=utf-8' };
  if (path === '/page' || path === '/secret') return void res.writeHead(200, html).end(OG_PAGE);
  if (path.startsWith('/hop/')) {
    const left = Number(path.slice('/hop/'.length));
    return void res.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : '/page' }).end();
  }
  if (path === '/to-private') return void res.writeHead(302, { location: `http://sneaky.test:${port}/secret` }).end();
  if (path === '/to-metadata')
    return void res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data' }).end();
  if (path === '/to-mapped')
    return void res.writeHead(307, { location: `http://[::ffff:127.0.0.1]:${port}/secret` }).end();
  if (path === '/image') return void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(2048));
  if (path === '/huge') {
    res.writeHead(200, html);
    res.write(OG_PAGE.replace('</head>', '</head>'));
    const filler = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < 4 * 1024 * 1024) {
        sent += filler.length;
        if (!res.write(filler)) return void res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  if (path === '/slow') {
    res.writeHead(200, html);
    res.write('<html><head><title>Slow');
    const timer = setInterval(() => res.write(' .'), 300);
    res.on('close', () => clearInterval(timer));
    return;
  }
  res.writeHead(404, html).end('<title>nope</title>');
}

/** DNS as the cases need it; `calls` counts lookups per name. */
function resolverOf(table: Record<string, string[] | (() => string[])>) {
  const calls: Record<string, number> = {};
  const resolve = (host: string): Promise<ResolvedAddress[]> => {
    calls[host] = (calls[host] ?? 0) + 1;
    const entry = table[host];
    if (entry === undefined) return Promise.reject(new Error(`ENOTFOUND ${host}`));
    const list = typeof entry === 'function' ? entry() : entry;
    return Promise.resolve(list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return { resolve, calls };
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  hits.length = 0;
  cut.length = 0;
});

const secretHits = () => hits.filter((h) => h.path === '/secret').length;

describe('safe fetching for link previews (SSRF)', () => {
  it('when an allow-listed host serves HTML, then the page is read with Host kept and the connection going to the checked address', async () => {
    const dns = resolverOf({ 'news.test': ['127.0.0.1'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'news.test' }] });
    const r = await fetcher.fetch(`http://news.test:${port}/page`);
    expect(r).toMatchObject({
      ok: true,
      url: `http://news.test:${port}/page`,
      contentType: 'text/html',
      truncated: false,
    });
    expect(r.ok && r.body).toContain('og:title');
    expect(hits).toEqual([{ path: '/page', host: `news.test:${port}`, localAddress: '127.0.0.1' }]);
  });

  it('when a name resolves to a private address, then it is refused before anything is dialed', async () => {
    const dns = resolverOf({ 'intranet.test': ['10.0.0.5'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, ports: [port] });
    const r = await fetcher.fetch(`http://intranet.test:${port}/page`);
    expect(r).toEqual({ ok: false, reason: 'intranet.test resolves to a non-public address (10.0.0.5)' });
  });

  it('when a name resolves to loopback where a server really listens, then it is refused and the server sees nothing', async () => {
    const dns = resolverOf({ 'sneaky.test': ['127.0.0.1'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, ports: [port] });
    const r = await fetcher.fetch(`http://sneaky.test:${port}/secret`);
    expect(r.ok).toBe(false);
    expect(hits).toEqual([]);
  });

  it('when any answer of a name is not public, then the name is refused (a mixed answer is not tried address by address)', async () => {
    const dns = resolverOf({ 'mixed.test': ['8.8.8.8', '192.168.1.1'] });
    const r = await new SafeFetcher({ resolve: dns.resolve }).fetch('http://mixed.test/');
    expect(r).toEqual({ ok: false, reason: 'mixed.test resolves to a non-public address (192.168.1.1)' });
  });

  it.each([
    ['loopback', `http://127.0.0.1:${0}/secret`],
    ['IPv6 loopback', 'http://[::1]/secret'],
    ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/secret'],
    ['CGNAT', 'http://100.64.0.1/'],
    ['multicast', 'http://224.0.0.1/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['IPv6 unique local', 'http://[fd00::1]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['NAT64 of a private address', 'http://[64:ff9b::a00:1]/'],
  ])('when the URL names a %s address, then it is refused without DNS or a connection', async (_what, raw) => {
    const url = raw.replace(':0/', `:${port}/`);
    const dns = resolverOf({});
    const r = await new SafeFetcher({ resolve: dns.resolve, ports: [80, 443, port] }).fetch(url);
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.reason).toMatch(/non-public address/);
    expect(dns.calls).toEqual({});
    expect(hits).toEqual([]);
  });

  it('when an allowed page redirects to a private name, then the hop is checked again and refused', async () => {
    const dns = resolverOf({ 'start.test': ['127.0.0.1'], 'sneaky.test': ['127.0.0.1'] });
    // the test port is open to any host here, so only the address rule stands in the way
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'start.test' }], ports: [port] });
    const r = await fetcher.fetch(`http://start.test:${port}/to-private`);
    expect(r.ok).toBe(false);
    expect(secretHits()).toBe(0);
    expect(dns.calls['sneaky.test']).toBe(1);
  });

  it.each([
    ['/to-metadata', '169.254.169.254'],
    // the URL parser writes the mapped address in hex
    ['/to-mapped', '::ffff:7f00:1'],
  ])(
    'when a redirect (%s) goes to an address literal that is not public, then it is refused',
    async (path, address) => {
      const dns = resolverOf({ 'start.test': ['127.0.0.1'] });
      const fetcher = new SafeFetcher({
        resolve: dns.resolve,
        allowedHosts: [{ host: 'start.test' }],
        ports: [80, port],
      });
      const r = await fetcher.fetch(`http://start.test:${port}${path}`);
      expect(r.ok === false && r.reason).toMatch(
        new RegExp(`non-public address \\(${address.replace(/\./g, '\\.')}\\)`),
      );
      expect(secretHits()).toBe(0);
    },
  );

  it('when the DNS answer changes between the check and the connect, then the connection still goes to the checked address', async () => {
    // first answer 127.0.0.1 (where the server is), every later one 127.0.0.2 (nothing listens there): a fetcher
    // that resolved again to connect would fail; the pinned one connects to what it checked, resolving once
    let answers = 0;
    const dns = resolverOf({ 'rebind.test': () => (answers++ === 0 ? ['127.0.0.1'] : ['127.0.0.2']) });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'rebind.test' }] });
    const r = await fetcher.fetch(`http://rebind.test:${port}/page`);
    expect(r.ok).toBe(true);
    expect(dns.calls['rebind.test']).toBe(1);
    expect(hits.map((h) => h.localAddress)).toEqual(['127.0.0.1']);
  });

  it('when a checked name would answer a private address on a second lookup, then it is never looked up again', async () => {
    let answers = 0;
    const dns = resolverOf({ 'flip.test': () => (answers++ === 0 ? ['10.1.1.1'] : ['127.0.0.1']) });
    const r = await new SafeFetcher({ resolve: dns.resolve, ports: [port] }).fetch(`http://flip.test:${port}/secret`);
    expect(r.ok).toBe(false);
    expect(dns.calls['flip.test']).toBe(1);
    expect(hits).toEqual([]);
  });

  it('when the body is huge, then the download is cut at the cap and the head that arrived is kept', async () => {
    const dns = resolverOf({ 'big.test': ['127.0.0.1'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'big.test' }] });
    const r = await fetcher.fetch(`http://big.test:${port}/huge`);
    expect(r.ok && r.truncated).toBe(true);
    expect(r.ok && Buffer.byteLength(r.body)).toBeLessThanOrEqual(512 * 1024);
    expect(r.ok && r.body).toContain('The &amp; Title');
    await expect.poll(() => cut).toEqual(['/huge']);
  });

  it('when the body trickles in, then the fetch gives up at the 3 s deadline and closes the connection', async () => {
    const dns = resolverOf({ 'slow.test': ['127.0.0.1'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'slow.test' }] });
    const started = Date.now();
    const r = await fetcher.fetch(`http://slow.test:${port}/slow`);
    const took = Date.now() - started;
    expect(r).toEqual({ ok: false, reason: 'the page took too long' });
    expect(took).toBeGreaterThanOrEqual(2_900);
    expect(took).toBeLessThan(5_000);
    await expect.poll(() => cut).toEqual(['/slow']);
  });

  it('when the page is not HTML, then it is refused without reading it', async () => {
    const dns = resolverOf({ 'img.test': ['127.0.0.1'] });
    const r = await new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'img.test' }] }).fetch(
      `http://img.test:${port}/image`,
    );
    expect(r).toEqual({ ok: false, reason: 'not HTML (image/png)' });
  });

  it('when there are more than 3 redirects, then it is refused; exactly 3 are followed', async () => {
    const dns = resolverOf({ 'hops.test': ['127.0.0.1'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'hops.test' }] });
    // /hop/N redirects N+1 times in all (down to /hop/0, which redirects to /page)
    expect(await fetcher.fetch(`http://hops.test:${port}/hop/3`)).toEqual({
      ok: false,
      reason: 'more than 3 redirects',
    });
    expect(hits.some((h) => h.path === '/page')).toBe(false);
    const ok = await fetcher.fetch(`http://hops.test:${port}/hop/2`);
    expect(ok.ok && ok.url).toBe(`http://hops.test:${port}/page`);
  });

  it('when the scheme, the credentials or the port is not allowed, then it is refused before DNS', async () => {
    const dns = resolverOf({});
    const fetcher = new SafeFetcher({ resolve: dns.resolve });
    expect(await fetcher.fetch('ftp://files.test/a')).toEqual({ ok: false, reason: 'ftp: URLs are not fetched' });
    expect(await fetcher.fetch('file:///etc/passwd')).toEqual({ ok: false, reason: 'file: URLs are not fetched' });
    expect(await fetcher.fetch('http://user:pw@site.test/')).toEqual({
      ok: false,
      reason: 'URLs with credentials are not fetched',
    });
    expect(await fetcher.fetch('http://site.test:8080/')).toEqual({ ok: false, reason: 'port 8080 is not fetched' });
    expect(dns.calls).toEqual({});
  });

  it('when the allow-list names host:port, then only that port of the host is opened', async () => {
    const dns = resolverOf({ 'wiki.test': ['127.0.0.1'] });
    const fetcher = new SafeFetcher({ resolve: dns.resolve, allowedHosts: [{ host: 'wiki.test', port: port + 1 }] });
    const r = await fetcher.fetch(`http://wiki.test:${port}/page`);
    expect(r).toEqual({ ok: false, reason: `port ${port} is not fetched` });
    expect(hits).toEqual([]);
  });
});

describe('which addresses are public', () => {
  it.each([
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['192.168.0.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['224.0.0.251', false],
    ['0.0.0.0', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['ff02::1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['2002:a00:1::1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});
