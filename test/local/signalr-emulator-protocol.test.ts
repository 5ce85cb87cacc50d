import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  connectionSignature,
  parseConnectionString,
  SignalREmulator,
  signAccessToken,
} from '../../local/signalr-emulator/index.js';

/** Wire-level checks with a raw WebSocket: framing, handshake, keep-alive, timeouts, REST status codes, CORS. */

const KEY = 'protocol-test-key-abcdefghijklmnopqrstuvwxyz';
const RS = '\u001e';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface UpstreamCall {
  event: string;
  connectionId: string;
  hub: string;
  body: any;
}

let emulator: SignalREmulator;
let upstreamServer: Server;
let upstreamUrl: string;
const calls: UpstreamCall[] = [];
const sockets: WebSocket[] = [];
const extraEmulators: SignalREmulator[] = [];

const audienceBase = (emu = emulator): string => emu.endpoint.replace(/:\d+$/, '');
const clientToken = (userId: string | undefined, opts: { hub?: string; emu?: SignalREmulator } = {}): Promise<string> =>
  signAccessToken({
    audience: `${audienceBase(opts.emu)}/client/?hub=${opts.hub ?? 'messaging'}`,
    ...(userId !== undefined && { userId }),
    ttlSeconds: 300,
    key: KEY,
  });

const json = async (res: Promise<Response>): Promise<any> => (await res).json();

async function negotiate(token: string, query = 'hub=messaging&negotiateVersion=1', emu = emulator): Promise<Response> {
  return fetch(`${emu.endpoint}/client/negotiate?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
}

/** A raw client: collects every hub message (parsed), the handshake answer first. */
class RawClient {
  readonly messages: any[] = [];
  closed = false;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      for (const part of data.toString('utf8').split(RS).slice(0, -1)) this.messages.push(JSON.parse(part));
    });
    ws.on('close', () => (this.closed = true));
  }
  static async open(url: string, token?: string): Promise<RawClient> {
    const ws = new WebSocket(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    sockets.push(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }
  send(text: string | Buffer): void {
    this.ws.send(text);
  }
  async next(match: (m: any) => boolean, timeoutMs = 2000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(this.messages)}`);
      await sleep(5);
    }
  }
  async waitClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket not closed');
      await sleep(5);
    }
  }
}

/** Negotiates and opens the WebSocket, handshake done. */
async function connected(userId = 'alice', emu = emulator): Promise<{ client: RawClient; connectionId: string }> {
  const token = await clientToken(userId, { emu });
  const body = (await json(negotiate(token, undefined, emu))) as { connectionToken: string; connectionId: string };
  const client = await RawClient.open(
    `${emu.endpoint.replace('http', 'ws')}/client/?hub=messaging&id=${body.connectionToken}`,
    token,
  );
  client.send(`{"protocol":"json","version":1}${RS}`);
  await client.next((m) => Object.keys(m).length === 0);
  return { client, connectionId: body.connectionId };
}

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

async function rest(
  method: string,
  path: string,
  opts: { body?: unknown; query?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const token =
    opts.token ??
    (await signAccessToken({ audience: `${audienceBase()}${path}?api-version=2022-06-01`, ttlSeconds: 60, key: KEY }));
  const query = opts.query ?? '?api-version=2022-06-01';
  return fetch(`${emulator.endpoint}${path}${query}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...opts.headers },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
}

async function startEmulator(
  opts: { keepAliveMs?: number; clientTimeoutMs?: number; upstreamUrl?: string } = {},
): Promise<SignalREmulator> {
  const emu = new SignalREmulator({ port: 0, accessKey: KEY, ...opts });
  await emu.start();
  extraEmulators.push(emu);
  return emu;
}

beforeAll(async () => {
  upstreamServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const call = {
        event: String(req.headers['x-asrs-event']),
        connectionId: String(req.headers['x-asrs-connection-id']),
        hub: String(req.headers['x-asrs-hub']),
        body,
      };
      calls.push(call);
      if (call.event === 'echo')
        res
          .writeHead(200)
          .end(`{"type":3,"invocationId":"${body.invocationId}","result":${JSON.stringify(body.arguments)}}${RS}`);
      else if (call.event === 'nobody') res.writeHead(204).end();
      else if (call.event === 'plain')
        res.writeHead(500, { 'content-type': 'text/plain' }).end('conversation not found');
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => upstreamServer.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}/runtime/webhooks/signalr`;
  emulator = new SignalREmulator({ port: 0, accessKey: KEY, upstreamUrl });
  await emulator.start();
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(extraEmulators.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await emulator.stop();
  await new Promise((r) => upstreamServer.close(r));
});

describe('connection strings and tokens', () => {
  it('parses the emulator-style connection string (port applied, audience without port, keys case-insensitive)', () => {
    expect(parseConnectionString('Endpoint=http://localhost;Port=8888;AccessKey=ABC=;Version=1.0;')).toEqual({
      endpoint: 'http://localhost:8888',
      audienceBase: 'http://localhost',
      accessKey: 'ABC=',
      version: '1.0',
    });
    expect(parseConnectionString('endpoint=https://x.service.signalr.net/;accesskey=k')).toEqual({
      endpoint: 'https://x.service.signalr.net',
      audienceBase: 'https://x.service.signalr.net',
      accessKey: 'k',
    });
    expect(() => parseConnectionString('AccessKey=k')).toThrow(/Endpoint/);
    expect(() => parseConnectionString('Endpoint=http://a;Version=2.0')).toThrow(/Version/);
    const own = parseConnectionString(emulator.connectionString());
    expect(own.endpoint).toBe(emulator.endpoint);
    expect(own.accessKey).toBe(KEY);
  });

  it('signs the upstream signature as sha256=<hex HMAC of the connection id>', () => {
    expect(connectionSignature(KEY, 'abc')).toBe(`sha256=${createHmac('sha256', KEY).update('abc').digest('hex')}`);
  });
});

describe('negotiate and connect', () => {
  it('answers negotiate v1, v0 without negotiateVersion, and a case-insensitive hub; POST only; CORS for browsers', async () => {
    const token = await clientToken('alice');
    const v1 = await negotiate(token);
    expect(v1.status).toBe(200);
    const body: any = await v1.json();
    expect(body).toEqual({
      connectionToken: expect.any(String),
      connectionId: expect.any(String),
      negotiateVersion: 1,
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }],
    });
    expect(body.connectionToken).not.toBe(body.connectionId);
    const v0 = await json(negotiate(token, 'hub=Messaging'));
    expect(v0).toMatchObject({ connectionId: expect.any(String), negotiateVersion: 0 });
    expect(v0.connectionToken).toBeUndefined();
    expect(
      (await fetch(`${emulator.endpoint}/client/negotiate?hub=messaging&access_token=${token}`, { method: 'POST' }))
        .status,
    ).toBe(200);
    expect((await fetch(`${emulator.endpoint}/client/negotiate?hub=messaging`, { method: 'POST' })).status).toBe(401);
    expect((await negotiate(token, 'hub=1bad')).status).toBe(400);
    expect(
      (
        await fetch(`${emulator.endpoint}/client/negotiate?hub=messaging`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(405);

    const preflight = await fetch(`${emulator.endpoint}/client/negotiate?hub=messaging`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.local:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, x-signalr-user-agent',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.local:3000');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(
      /authorization.*x-requested-with.*x-signalr-user-agent.*content-type/,
    );
    const corsPost = await fetch(`${emulator.endpoint}/client/negotiate?hub=messaging`, {
      method: 'POST',
      headers: { origin: 'http://app.local:3000', authorization: `Bearer ${token}` },
    });
    expect(corsPost.headers.get('access-control-allow-origin')).toBe('http://app.local:3000');
  });

  it('connects a v0 negotiation by connection id and a browser-style access_token query', async () => {
    const token = await clientToken('alice', { hub: 'Messaging' });
    const { connectionId } = await json(negotiate(token, 'hub=MESSAGING'));
    const client = await RawClient.open(
      `${emulator.endpoint.replace('http', 'ws')}/client?hub=Messaging&id=${connectionId}&access_token=${token}`,
    );
    client.send(`{"protocol":"json","version":1}${RS}`);
    await client.next((m) => Object.keys(m).length === 0);
    await waitFor(() => calls.some((c) => c.connectionId === connectionId && c.event === 'connected'));
    expect(calls.find((c) => c.connectionId === connectionId)?.hub).toBe('messaging');
  });

  it('refuses an unknown or reused connection token (404) and a token of another user (401)', async () => {
    const ws = `${emulator.endpoint.replace('http', 'ws')}/client/?hub=messaging`;
    const alice = await clientToken('alice');
    await expect(RawClient.open(`${ws}&id=nope`, alice)).rejects.toThrow(/404/);
    const { connectionToken } = await json(negotiate(alice));
    await expect(RawClient.open(`${ws}&id=${connectionToken}`, await clientToken('mallory'))).rejects.toThrow(/401/);
    const ok = await RawClient.open(`${ws}&id=${connectionToken}`, alice);
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
    await expect(RawClient.open(`${ws}&id=${connectionToken}`, alice)).rejects.toThrow(/404/);
    await expect(RawClient.open(`${ws}&id=${connectionToken}`)).rejects.toThrow(/401/);
  });

  it('creates a connection on a skipNegotiation WebSocket (no id)', async () => {
    const before = emulator.stats().connections;
    const client = await RawClient.open(
      `${emulator.endpoint.replace('http', 'ws')}/client/?hub=messaging`,
      await clientToken(undefined),
    );
    client.send(`{"protocol":"json","version":1}${RS}`);
    await client.next((m) => Object.keys(m).length === 0);
    await waitFor(() => emulator.stats().connections === before + 1);
  });
});

describe('JSON hub protocol on the wire', () => {
  it('reads several messages per frame and messages split across frames', async () => {
    const token = await clientToken('alice');
    const { connectionToken } = await json(negotiate(token));
    const client = await RawClient.open(
      `${emulator.endpoint.replace('http', 'ws')}/client/?hub=messaging&id=${connectionToken}`,
      token,
    );
    const stream = `{"protocol":"json","version":1}${RS}{"type":6}${RS}{"type":1,"invocationId":"0","target":"echo","arguments":["a"]}${RS}{"type":1,"invocationId":"1","tar`;
    client.send(stream);
    await sleep(20);
    client.send(`get":"echo","arguments":["b"]}${RS}`);
    expect(await client.next((m) => m.invocationId === '1')).toEqual({ type: 3, invocationId: '1', result: ['b'] });
    expect(client.messages.slice(0, 3)).toEqual([
      {},
      { type: 3, invocationId: '0', result: ['a'] },
      { type: 3, invocationId: '1', result: ['b'] },
    ]);
  });

  it('answers an unsupported protocol or version with a handshake error, then closes', async () => {
    const token = await clientToken('alice');
    for (const handshake of ['{"protocol":"messagepack","version":1}', '{"protocol":"json","version":3}', 'not json']) {
      const { connectionToken } = await json(negotiate(token));
      const client = await RawClient.open(
        `${emulator.endpoint.replace('http', 'ws')}/client/?hub=messaging&id=${connectionToken}`,
        token,
      );
      client.send(`${handshake}${RS}`);
      const answer = await client.next(() => true);
      expect(answer.error).toEqual(expect.any(String));
      await client.waitClosed();
    }
  });

  it('answers stream invocations, unconfigured and unreachable upstreams, 204 and text errors with Completions', async () => {
    const { client } = await connected();
    client.send(`{"type":4,"invocationId":"s1","target":"echo","arguments":[]}${RS}`);
    expect(await client.next((m) => m.invocationId === 's1')).toEqual({
      type: 3,
      invocationId: 's1',
      error: 'Streaming is not supported in serverless mode',
    });
    client.send(
      `{"type":1,"invocationId":"n1","target":"nobody","arguments":[]}${RS}{"type":1,"invocationId":"p1","target":"plain","arguments":[]}${RS}`,
    );
    expect(await client.next((m) => m.invocationId === 'n1')).toEqual({ type: 3, invocationId: 'n1' });
    expect(await client.next((m) => m.invocationId === 'p1')).toEqual({
      type: 3,
      invocationId: 'p1',
      error: 'conversation not found',
    });

    const bare = await startEmulator();
    const { client: c2 } = await connected('alice', bare);
    c2.send(`{"type":1,"invocationId":"u1","target":"echo","arguments":[]}${RS}`);
    expect(await c2.next((m) => m.invocationId === 'u1')).toEqual({
      type: 3,
      invocationId: 'u1',
      error: 'No upstream configured',
    });
    bare.setUpstreamUrl('http://127.0.0.1:1/unreachable');
    c2.send(`{"type":1,"invocationId":"u2","target":"echo","arguments":[]}${RS}`);
    expect((await c2.next((m) => m.invocationId === 'u2')).error).toMatch(/^Invocation failed: /);
    bare.setUpstreamUrl(upstreamUrl);
    c2.send(`{"type":1,"invocationId":"u3","target":"echo","arguments":[1]}${RS}`);
    expect(await c2.next((m) => m.invocationId === 'u3')).toEqual({ type: 3, invocationId: 'u3', result: [1] });
  });

  it('drops an oversize message without an invocation id and keeps the connection', async () => {
    const { client } = await connected();
    client.send(`{"type":1,"target":"echo","arguments":["${'y'.repeat(102_400)}"]}${RS}`);
    client.send(`{"type":1,"invocationId":"7","target":"echo","arguments":["small"]}${RS}`);
    expect(await client.next((m) => m.invocationId === '7')).toEqual({ type: 3, invocationId: '7', result: ['small'] });
    expect(client.closed).toBe(false);
  });

  it('closes politely on a binary frame, and reports a client Close message upstream with its error', async () => {
    const { client } = await connected();
    client.send(Buffer.from([0x93, 0x01]));
    const close = await client.next((m) => m.type === 7);
    expect(close).toMatchObject({
      type: 7,
      allowReconnect: false,
      error: expect.stringMatching(/Binary frames are not supported/),
    });
    await client.waitClosed();

    const { client: c2, connectionId } = await connected();
    c2.send(`{"type":7,"error":"client is going away"}${RS}`);
    await c2.waitClosed();
    await waitFor(() => calls.some((c) => c.connectionId === connectionId && c.event === 'disconnected'));
    expect(calls.find((c) => c.connectionId === connectionId && c.event === 'disconnected')?.body).toEqual({
      type: 11,
      error: 'client is going away',
    });
  });

  it('pings every keepAliveMs and closes a connection whose client stays silent past clientTimeoutMs', async () => {
    const emu = await startEmulator({ keepAliveMs: 40, clientTimeoutMs: 400, upstreamUrl });
    const { client, connectionId } = await connected('alice', emu);
    await client.next((m) => m.type === 6, 300);
    const pings = client.messages.filter((m) => m.type === 6).length;
    const close = await client.next((m) => m.type === 7, 1500);
    expect(close).toMatchObject({
      allowReconnect: true,
      error: expect.stringMatching(/no message from the client within 400 ms/),
    });
    expect(pings).toBeGreaterThanOrEqual(1);
    await client.waitClosed();
    await waitFor(() => calls.some((c) => c.connectionId === connectionId && c.event === 'disconnected'));
    expect(emu.stats().connections).toBe(0);
  });

  it('keeps a connection alive while the client pings', async () => {
    const emu = await startEmulator({ keepAliveMs: 40, clientTimeoutMs: 200, upstreamUrl });
    const { client } = await connected('alice', emu);
    for (let i = 0; i < 8; i++) {
      client.send(`{"type":6}${RS}`);
      await sleep(50);
    }
    expect(client.closed).toBe(false);
    expect(emu.stats().connections).toBe(1);
  });
});

describe('REST API', () => {
  const hub = '/api/hubs/messaging';

  it('requires a valid bearer token, api-version, a valid hub and group name', async () => {
    const path = `${hub}/:send`;
    const body = { target: 't', arguments: [] };
    expect(
      (
        await fetch(`${emulator.endpoint}${path}?api-version=2022-06-01`, {
          method: 'POST',
          body: JSON.stringify(body),
        })
      ).status,
    ).toBe(401);
    const forged = await signAccessToken({ audience: `${audienceBase()}${path}`, ttlSeconds: 60, key: 'wrong-key' });
    expect((await rest('POST', path, { body, token: forged })).status).toBe(401);
    const expired = await signAccessToken({ audience: `${audienceBase()}${path}`, ttlSeconds: -30, key: KEY });
    expect((await rest('POST', path, { body, token: expired })).status).toBe(401);
    const otherPath = await signAccessToken({
      audience: `${audienceBase()}${hub}/users/x/:send`,
      ttlSeconds: 60,
      key: KEY,
    });
    expect((await rest('POST', path, { body, token: otherPath })).status).toBe(401);
    // lenient audience: other port, no query, trailing slash
    const lenient = await signAccessToken({ audience: `http://localhost:1234${path}/`, ttlSeconds: 60, key: KEY });
    expect((await rest('POST', path, { body, token: lenient })).status).toBe(202);

    expect((await rest('POST', path, { body, query: '' })).status).toBe(400);
    expect((await rest('POST', '/api/hubs/9hub/:send', { body })).status).toBe(400);
    expect((await rest('POST', `${hub}/groups/${'g'.repeat(1025)}/:send`, { body })).status).toBe(400);
    expect((await rest('POST', path, { body: { arguments: [] } })).status).toBe(400);
    expect((await rest('POST', path, { body: '{not json' })).status).toBe(400);
    expect((await rest('POST', path, { body: { target: 't', arguments: 'no' } })).status).toBe(400);
    expect((await rest('POST', path, { body: { target: 'big', arguments: ['z'.repeat(1_100_000)] } })).status).toBe(
      413,
    );
    expect((await rest('PATCH', path, { body })).status).toBe(405);
    expect((await rest('GET', `${hub}/nothing/here/at/all`)).status).toBe(404);
  });

  it('answers existence checks with 200 or 404 + x-ms-error-code, and manages memberships with the documented codes', async () => {
    const { client, connectionId } = await connected('ivy');
    const status = async (method: string, path: string, query?: string): Promise<[number, string | null]> => {
      const res = await rest(method, path, query === undefined ? {} : { query: `?api-version=2022-06-01${query}` });
      return [res.status, res.headers.get('x-ms-error-code')];
    };
    expect(await status('HEAD', `${hub}/connections/${connectionId}`)).toEqual([200, null]);
    expect(await status('HEAD', `${hub}/connections/nope`)).toEqual([404, 'Warning.Connection.NotExisted']);
    expect(await status('HEAD', `${hub}/users/ivy`)).toEqual([200, null]);
    expect(await status('HEAD', `${hub}/users/nobody`)).toEqual([404, 'Warning.User.NotExisted']);
    expect(await status('HEAD', `${hub}/groups/g1`)).toEqual([404, 'Warning.Group.NotExisted']);
    expect(await status('PUT', `${hub}/groups/g1/connections/nope`)).toEqual([404, 'Error.Connection.NotExisted']);
    expect(await status('GET', `${hub}/users/ivy/groups/g1`)).toEqual([404, 'Info.User.NotInGroup']);

    expect(await status('PUT', `${hub}/users/ivy/groups/g1`)).toEqual([200, null]);
    expect(await status('GET', `${hub}/users/ivy/groups/g1`)).toEqual([200, null]);
    expect(await status('HEAD', `${hub}/groups/g1`)).toEqual([200, null]);
    expect(await status('DELETE', `${hub}/users/ivy/groups/g1`)).toEqual([204, null]);
    expect(await status('HEAD', `${hub}/users/ivy/groups/g1`)).toEqual([404, 'Info.User.NotInGroup']);

    expect(await status('PUT', `${hub}/groups/g2/connections/${connectionId}`)).toEqual([200, null]);
    expect(await status('HEAD', `${hub}/users/ivy/groups/g2`)).toEqual([200, null]);
    expect(await status('DELETE', `${hub}/connections/${connectionId}/groups`)).toEqual([200, null]);
    expect(await status('HEAD', `${hub}/groups/g2`)).toEqual([404, 'Warning.Group.NotExisted']);

    expect(await status('PUT', `${hub}/users/ivy/groups/g3`)).toEqual([200, null]);
    expect(await status('PUT', `${hub}/users/ivy/groups/g4`)).toEqual([200, null]);
    expect(await status('DELETE', `${hub}/users/ivy/groups`)).toEqual([204, null]);
    expect(await status('HEAD', `${hub}/groups/g3`)).toEqual([404, 'Warning.Group.NotExisted']);

    // ttl=0: only current connections join; a later connection of the user does not
    expect(await status('PUT', `${hub}/users/ivy/groups/now-only`, '&ttl=0')).toEqual([200, null]);
    expect(await status('HEAD', `${hub}/groups/now-only`)).toEqual([200, null]);
    expect(await status('PUT', `${hub}/users/ivy/groups/g5`, '&ttl=abc')).toEqual([400, null]);

    expect((await fetch(`${emulator.endpoint}/api/health?api-version=2022-06-01`, { method: 'HEAD' })).status).toBe(
      200,
    );

    expect(await status('POST', `${hub}/users/ivy/:closeConnections`)).toEqual([204, null]);
    expect(await client.next((m) => m.type === 7)).toEqual({ type: 7, allowReconnect: true });
    await client.waitClosed();
  });

  it('expires a user→group membership after its ttl', async () => {
    const { client } = await connected('jack');
    expect(
      (await rest('PUT', `${hub}/users/jack/groups/short`, { query: '?api-version=2022-06-01&ttl=1' })).status,
    ).toBe(200);
    const send = (): Promise<Response> =>
      rest('POST', `${hub}/groups/short/:send`, { body: { target: 'tick', arguments: [] } });
    await send();
    await client.next((m) => m.target === 'tick');
    await sleep(1_050);
    expect((await rest('HEAD', `${hub}/users/jack/groups/short`)).status).toBe(404);
    await send();
    await sleep(50);
    expect(client.messages.filter((m) => m.target === 'tick')).toHaveLength(1);
  });

  it('serves the /api/v1 routes and frames pushes as Invocation messages', async () => {
    const { client, connectionId } = await connected('kim');
    const v1 = async (method: string, path: string, body?: unknown): Promise<number> => {
      const token = await signAccessToken({ audience: `${audienceBase()}${path}`, ttlSeconds: 60, key: KEY });
      return (
        await fetch(`${emulator.endpoint}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      ).status;
    };
    expect(await v1('PUT', `/api/v1/hubs/messaging/groups/v1g/users/kim`)).toBe(202);
    expect(await v1('POST', `/api/v1/hubs/messaging/groups/v1g`, { target: 'v1', arguments: ['group'] })).toBe(202);
    expect(await v1('POST', `/api/v1/hubs/messaging/users/kim`, { target: 'v1', arguments: ['user'] })).toBe(202);
    expect(
      await v1('POST', `/api/v1/hubs/messaging/connections/${connectionId}`, { target: 'v1', arguments: ['conn'] }),
    ).toBe(202);
    expect(await v1('GET', `/api/v1/hubs/messaging/groups/v1g/users/kim`)).toBe(200);
    expect(await v1('HEAD', `/api/v1/health`)).toBe(200);
    await waitFor(() => client.messages.filter((m) => m.target === 'v1').length === 3);
    expect(client.messages.filter((m) => m.target === 'v1')).toEqual([
      { type: 1, target: 'v1', arguments: ['group'] },
      { type: 1, target: 'v1', arguments: ['user'] },
      { type: 1, target: 'v1', arguments: ['conn'] },
    ]);
    expect(await v1('DELETE', `/api/v1/hubs/messaging/connections/${connectionId}`)).toBe(202);
    await client.waitClosed();
  });
});

describe('lifecycle', () => {
  it('stop() closes clients, reports their disconnects upstream and frees the port', async () => {
    const emu = new SignalREmulator({ port: 0, accessKey: KEY, upstreamUrl });
    await emu.start();
    const { client, connectionId } = await connected('leo', emu);
    await emu.stop();
    expect(client.messages.some((m) => m.type === 7)).toBe(true);
    await client.waitClosed();
    expect(calls.some((c) => c.connectionId === connectionId && c.event === 'disconnected')).toBe(true);
    await expect(fetch(`${emu.endpoint}/api/health`, { method: 'HEAD' })).rejects.toThrow();
  });
});
