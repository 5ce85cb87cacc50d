import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';
import { connectClient, sleep, type TestClient } from '../support/hub.js';
import { startTestStack } from '../support/stack.js';

/** The hardening rows as seen from outside: through the local stack over HTTP and with real SignalR clients. */
describe('hardening over HTTP and the hub', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];
  let n = 0;
  const person = async (name: string, k: number) => ({ id: `${name}-h${k}`, token: await api.token(`${name}-h${k}`) });
  /** Two users only the calling test uses. */
  const pair = async (): Promise<[{ id: string; token: string }, { id: string; token: string }]> => {
    const k = ++n;
    return [await person('alice', k), await person('bob', k)];
  };
  const group = async (owner: { token: string }, others: { id: string }[]) => {
    const c = await api.call('POST', `${M}/conversations`, {
      token: owner.token,
      body: { type: 'group', participants: others.map((o) => o.id), title: 'h' },
    });
    expect(c.status).toBe(201);
    return c.body.conversationId as string;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  it('D5: when a user reacts with "constructor", "toString", "hasOwnProperty" or "valueOf" over HTTP, then 200 and an ordinary reaction; "__proto__" is a 400', async () => {
    const [alice, bob] = await pair();
    const id = await group(alice, [bob]);
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: alice.token,
      body: { content: 'x' },
    });
    const path = `${M}/conversations/${id}/messages/${sent.body.message.id}/react`;
    for (const reaction of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const r = await api.call('POST', path, { token: bob.token, body: { reaction } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.reactions[reaction]).toEqual([bob.id]);
    }
    expectProblem(await api.call('POST', path, { token: bob.token, body: { reaction: '__proto__' } }), 400, /reserved/);
    const detail = await api.call('GET', `${M}/conversations/${id}/messages/${sent.body.message.id}`, {
      token: alice.token,
    });
    expect(detail.body.reactions).toHaveLength(4);
    expect((await api.call('DELETE', path, { token: bob.token, body: { reaction: 'constructor' } })).status).toBe(204);
  });

  it('D6: when settings are nested 2,000 levels deep (~12 KB), then 400 with a detail, not 500', async () => {
    const [alice, bob] = await pair();
    const raw = `{"type":"group","participants":["${bob.id}"],"settings":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`;
    expectProblem(await api.call('POST', `${M}/conversations`, { token: alice.token, raw }), 400, /nested deeper/);
    expect((await api.call('GET', `${M}/conversations`, { token: bob.token })).body.conversations).toEqual([]);
  });

  it('D14: when imageUrl is a javascript: or data: URL, then 400 and nothing is created or pushed', async () => {
    const [alice, bob] = await pair();
    for (const imageUrl of ['javascript:alert(1)', 'data:image/svg+xml,<svg onload=alert(1)>']) {
      const r = await api.call('POST', `${M}/conversations`, {
        token: alice.token,
        body: { type: 'group', participants: [bob.id], imageUrl },
      });
      expectProblem(r, 400, /https/);
    }
    expect((await api.call('GET', `${M}/conversations`, { token: bob.token })).body.conversations).toEqual([]);
  });

  it('D10: when a create with initialMessage is rate-limited, then 429 with retry-after and nothing is created (the retry: test/app/limits.test.ts)', async () => {
    const [alice, bob] = await pair();
    const id = await group(alice, [bob]);
    let status = 201;
    // why: spend the send bucket (60/min) so the create's own message is over the limit
    for (let i = 0; i < 70 && status !== 429; i++)
      status = (
        await api.call('POST', `${M}/conversations/${id}/messages`, { token: alice.token, body: { content: `m${i}` } })
      ).status;
    expect(status).toBe(429);
    const carol = await person('carol', ++n);
    const body = { type: 'direct', participants: [carol.id], initialMessage: 'hi carol' };
    const refused = await api.call('POST', `${M}/conversations`, { token: alice.token, body });
    expectProblem(refused, 429, /retry after/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api.call('GET', `${M}/conversations`, { token: carol.token })).body.conversations).toEqual([]);
  });

  it('D16: when the Host header is forged, then the OpenAPI servers URL does not reflect it', async () => {
    const r = await fetch(`${stack.baseUrl}/api/openapi.json`, { headers: { host: 'evil.example' } });
    const doc = (await r.json()) as { servers: { url: string }[] };
    expect(JSON.stringify(doc.servers)).not.toContain('evil');
    expect(doc.servers).toEqual([{ url: '/' }]);
  });

  it('D17: when the API answers (success or problem), then it sends nosniff, no-referrer, DENY and a default-src none CSP', async () => {
    const alice = await person('alice', ++n);
    for (const r of [
      await api.call('GET', `${M}/conversations`, { token: alice.token }),
      await api.call('GET', `${M}/conversations/nope`, { token: alice.token }),
      await api.call('GET', 'health'),
    ]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    }
  });

  it('D17: when the web client is served, then its CSP allows only its own script and style files (no inline code), this origin and the SignalR endpoint', async () => {
    const r = await fetch(`${stack.baseUrl}/`);
    const html = await r.text();
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(r.status).toBe(200);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    const emulator = new URL(stack.signalrEndpoint);
    expect(csp).toContain(`connect-src 'self' ${emulator.origin} ws://${emulator.host}`);
    expect(html).toMatch(/<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script>|<style>/); // nothing inline the CSP would have to allow
    expect(html).not.toMatch(/\son[a-z]+=/);
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    const js = await fetch(`${stack.baseUrl}/${script}`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    // why: the static route must not walk out of the built folder
    expect((await fetch(`${stack.baseUrl}/..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/assets/..%2f..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('D7: when a client calls EndCall or AcceptCall with a made-up call id over the hub, then a CALL.NOT_FOUND hub error and nobody is told', async () => {
    const [alice, bob] = await pair();
    const id = await group(alice, [bob]);
    const a = await connectClient(stack.baseUrl, alice.token);
    const b = await connectClient(stack.baseUrl, bob.token);
    clients.push(a, b);
    await expect(a.conn.invoke('EndCall', id, 'made-up-call')).rejects.toThrow(/CALL\.NOT_FOUND/);
    await expect(a.conn.invoke('AcceptCall', id, 'made-up-call')).rejects.toThrow(/CALL\.NOT_FOUND/);
    const { callId } = await a.conn.invoke('InitiateCall', id, 'audio');
    await b.next('IncomingCall', (p) => p.callId === callId);
    expect(await b.conn.invoke('EndCall', id, callId)).toEqual({ callId });
    await expect(a.conn.invoke('EndCall', id, callId)).rejects.toThrow(/CALL\.NOT_FOUND/);
    await sleep(200);
    expect(b.events.filter((e) => e.target === 'CallEnded')).toHaveLength(1);
  });

  it('D7: when a client sends 100 StopTyping and 100 InitiateCall, then the others get at most the limits (10 typing, 5 rings)', async () => {
    const [alice, bob] = await pair();
    const id = await group(alice, [bob]);
    const a = await connectClient(stack.baseUrl, alice.token);
    const b = await connectClient(stack.baseUrl, bob.token);
    clients.push(a, b);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => a.conn.invoke('StopTyping', id)).concat(
        Array.from({ length: 100 }, () => a.conn.invoke('InitiateCall', id, 'video')),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(95);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/rate limit exceeded: at most 5 calls/);
    await sleep(500);
    expect(b.events.filter((e) => e.target === 'OnTypingIndicator').length).toBeLessThanOrEqual(10);
    expect(b.events.filter((e) => e.target === 'IncomingCall')).toHaveLength(5);
  });

  it('fuzz counterexample: when a group is created with the participants "." and ":", then 400 (dot segments are not ids), not a 500 from a push to /users/.', async () => {
    const [alice] = await pair();
    const r = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'system', participants: ['.', ':'] },
    });
    expectProblem(r, 400, /must not be "\." or "\.\."/);
    expect((await api.call('GET', `${M}/conversations`, { token: alice.token })).body.conversations).toEqual([]);
    expectProblem(await api.call('POST', 'dev/token', { body: { userId: '..' } }), 400);
  });
});
