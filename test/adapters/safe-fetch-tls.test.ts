import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeFetcher } from '../../shared/adapters/link-preview/safe-fetch.js';
import { selfSignedCertificate } from '../support/tls.js';

/*
 * https with the pinned address: the socket goes to the checked 127.0.0.1 while TLS still names the host (SNI) and
 * checks the certificate against it, and Host keeps the name. The certificate is made for this run by openssl.
 */

let server: Server;
let port = 0;
let cert = '';
const seen: {
  servername: string | false | null | undefined;
  host: string | undefined;
  localAddress: string | undefined;
}[] = [];

beforeAll(async () => {
  const tls = selfSignedCertificate('secure.test', 'DNS:secure.test');
  cert = tls.cert;
  server = createServer(tls, (req, res) => {
    const socket = req.socket as TLSSocket;
    seen.push({ servername: socket.servername, host: req.headers.host, localAddress: socket.localAddress });
    res.writeHead(200, { 'content-type': 'text/html' }).end('<meta property="og:title" content="Secure">');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('safe fetching over https', () => {
  it('when an https page is fetched, then SNI and Host carry the name, the certificate is checked against it, and the socket goes to the checked address', async () => {
    let lookups = 0;
    const fetcher = new SafeFetcher({
      resolve: () => {
        lookups++;
        return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      },
      allowedHosts: [{ host: 'secure.test' }],
      ca: cert,
    });
    const r = await fetcher.fetch(`https://secure.test:${port}/`);
    expect(r.ok && r.body).toContain('Secure');
    expect(seen).toEqual([{ servername: 'secure.test', host: `secure.test:${port}`, localAddress: '127.0.0.1' }]);
    expect(lookups).toBe(1);
  });

  it('when the certificate does not name the host, then the fetch fails (no preview from a server that is not the named one)', async () => {
    const fetcher = new SafeFetcher({
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      allowedHosts: [{ host: 'other.test' }],
      ca: cert,
    });
    const r = await fetcher.fetch(`https://other.test:${port}/`);
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.reason).toMatch(/other\.test|altnames|certificate/i);
  });
});
