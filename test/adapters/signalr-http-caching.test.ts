import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken, verifyAccessToken } from '../../local/signalr-emulator/tokens.js';
import { keepAliveRequest } from '../../shared/adapters/signalr/keep-alive-http.js';
import { TokenCache } from '../../shared/adapters/signalr/token-cache.js';

describe('keep-alive REST calls', () => {
  let server: Server;
  let url: string;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(req.url === '/big' ? 200 : 202, { 'content-type': 'application/json' });
        res.end(req.url === '/big' ? 'x'.repeat(5000) : JSON.stringify({ echo: body }));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('when calls follow one another, then they share one TCP connection and carry body and status', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) {
      const res = await keepAliveRequest(`${url}/send`, { method: 'POST', headers: {}, body: `hello ${i}` });
      expect(res).toMatchObject({ status: 202, body: JSON.stringify({ echo: `hello ${i}` }) });
    }
    expect(connections - before).toBe(1);
  });

  it('when an answer is larger than allowed, then the call fails instead of buffering it', async () => {
    await expect(keepAliveRequest(`${url}/big`, { method: 'GET', headers: {}, maxBytes: 1000 })).rejects.toThrow(
      /larger than 1000 bytes/,
    );
  });
});

describe('REST token reuse', () => {
  it('when a path is pushed to again, then its token is reused until a minute before it expires', async () => {
    let now = 1_000_000;
    let signed = 0;
    const cache = new TokenCache(
      300,
      (aud) => Promise.resolve(`${aud}#${++signed}`),
      () => now,
    );
    expect(await cache.get('a')).toBe('a#1');
    expect(await cache.get('a')).toBe('a#1');
    expect(await cache.get('b')).toBe('b#2');
    now += 239_000;
    expect(await cache.get('a')).toBe('a#1');
    now += 2_000;
    expect(await cache.get('a')).toBe('a#3');
  });

  it('when a verified token is shown again, then it is accepted without re-verification but still refused once expired or for another audience', async () => {
    const key = 'k'.repeat(32);
    const token = await signAccessToken({ audience: 'http://x/api/hubs/h', ttlSeconds: 1, key });
    const ok = (aud: string) => aud === 'http://x/api/hubs/h';
    expect((await verifyAccessToken(token, key, ok)).ok).toBe(true);
    expect((await verifyAccessToken(token, key, ok)).ok).toBe(true);
    expect(await verifyAccessToken(token, key, () => false)).toMatchObject({ ok: false, reason: /audience/ });
    expect(await verifyAccessToken(token, 'other'.repeat(8), ok)).toMatchObject({ ok: false, reason: /signature/ });
    // why: past exp plus the 5 s clock tolerance
    await new Promise((r) => setTimeout(r, 6_200));
    expect(await verifyAccessToken(token, key, ok)).toMatchObject({ ok: false, reason: /expired/ });
  }, 15_000);
});
