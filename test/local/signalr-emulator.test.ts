import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignalREmulator, signAccessToken } from '../../local/signalr-emulator/index.js';

/** Real @microsoft/signalr clients against the emulator, with a fake Function app as the upstream. */

const KEY = 'local-signalr-emulator-test-key-0123456789';
const HUB = 'messaging';
const RS = '\u001e';

interface UpstreamCall {
  hub: string;
  category: string;
  event: string;
  connectionId: string;
  userId: string | undefined;
  claims: string | undefined;
  query: string | undefined;
  signatureOk: boolean;
  body: any;
  startedAt: number;
  endedAt: number;
}

/** Header values carry UTF-8 bytes; Node hands them over as latin1 text. */
const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  const text = Array.isArray(v) ? v.join(',') : v;
  return text === undefined ? undefined : Buffer.from(text, 'latin1').toString('utf8');
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A stand-in for the Functions SignalR trigger webhook: checks the signature, answers like the extension does. */
async function startFakeFunctionApp(): Promise<{ url: string; calls: UpstreamCall[]; server: Server }> {
  const calls: UpstreamCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const startedAt = Date.now();
        const connectionId = header(req, 'x-asrs-connection-id') ?? '';
        const expected = `sha256=${createHmac('sha256', KEY).update(connectionId).digest('hex')}`;
        const signatureOk = header(req, 'x-asrs-signature') === expected;
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const call: UpstreamCall = {
          hub: header(req, 'x-asrs-hub') ?? '',
          category: header(req, 'x-asrs-category') ?? '',
          event: header(req, 'x-asrs-event') ?? '',
          connectionId,
          userId: header(req, 'x-asrs-user-id'),
          claims: header(req, 'x-asrs-user-claims'),
          query: header(req, 'x-asrs-client-query'),
          signatureOk,
          body,
          startedAt,
          endedAt: 0,
        };
        calls.push(call);
        if (!signatureOk) return void res.writeHead(401).end();
        const arg0: unknown = Array.isArray(body.arguments) ? body.arguments[0] : undefined;
        const complete = (outcome: object): void => {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(`${JSON.stringify({ type: 3, invocationId: body.invocationId, ...outcome })}${RS}`);
        };
        if (call.event === 'connected' && call.userId === 'slow-connect') await sleep(200);
        switch (call.category === 'messages' ? call.event : 'connections') {
          case 'connections':
            res.writeHead(200).end();
            break;
          case 'echo':
            complete({ result: arg0 });
            break;
          case 'whoami':
            complete({ result: { userId: call.userId, claims: call.claims, query: call.query, hub: call.hub } });
            break;
          case 'fail':
            complete({ error: `boom: ${String(arg0)}` });
            break;
          case 'crash':
            res
              .writeHead(500, { 'content-type': 'application/json' })
              .end(JSON.stringify({ error: 'Function crashed: database unreachable' }));
            break;
          case 'slow':
            await sleep(150);
            complete({ result: `slow:${String(arg0)}` });
            break;
          case 'notify':
            res.writeHead(200).end(); // fire-and-forget: no invocationId, empty answer
            break;
          default:
            res.writeHead(404).end();
        }
        call.endedAt = Date.now();
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/signalr`, calls, server };
}

let emulator: SignalREmulator;
let upstream: Awaited<ReturnType<typeof startFakeFunctionApp>>;
const open: HubConnection[] = [];

const audienceBase = (): string => emulator.endpoint.replace(/:\d+$/, '');
const clientToken = (
  userId: string,
  opts: { key?: string; ttlSeconds?: number; hub?: string; claims?: Record<string, string> } = {},
): Promise<string> =>
  signAccessToken({
    audience: `${audienceBase()}/client/?hub=${opts.hub ?? HUB}`,
    userId,
    ttlSeconds: opts.ttlSeconds ?? 600,
    key: opts.key ?? KEY,
    claims: opts.claims ?? { role: 'customer' },
  });

function build(token: string, url = `${emulator.endpoint}/client/?hub=${HUB}`, reconnect = false): HubConnection {
  let builder = new HubConnectionBuilder()
    .withUrl(url, { accessTokenFactory: () => token })
    .configureLogging(LogLevel.None);
  if (reconnect) builder = builder.withAutomaticReconnect([0, 50, 100, 200]);
  const conn = builder.build();
  open.push(conn);
  return conn;
}

async function connect(userId: string): Promise<HubConnection> {
  const conn = build(await clientToken(userId));
  await conn.start();
  return conn;
}

/** Records every `target` invocation a client receives. */
function inbox(conn: HubConnection, target = 'news'): unknown[][] {
  const got: unknown[][] = [];
  conn.on(target, (...args: unknown[]) => got.push(args));
  return got;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

async function rest(method: string, path: string, opts: { body?: unknown; query?: string } = {}): Promise<Response> {
  const token = await signAccessToken({
    audience: `${audienceBase()}${path}?api-version=2022-06-01`,
    ttlSeconds: 60,
    key: KEY,
  });
  return fetch(`${emulator.endpoint}${path}?api-version=2022-06-01${opts.query ?? ''}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(opts.body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
}

/** Broadcasts a marker and waits until every client has it: anything pushed before it has then arrived too. */
async function settle(boxes: unknown[][][]): Promise<void> {
  const marker = `marker-${Math.random()}`;
  expect((await rest('POST', `/api/hubs/${HUB}/:send`, { body: { target: 'news', arguments: [marker] } })).status).toBe(
    202,
  );
  await waitFor(() => boxes.every((b) => b.some((args) => args[0] === marker)));
  for (const b of boxes)
    b.splice(
      b.findIndex((args) => args[0] === marker),
      1,
    );
}

const callsFor = (connectionId: string | null, event?: string): UpstreamCall[] =>
  upstream.calls.filter((c) => c.connectionId === connectionId && (event === undefined || c.event === event));

beforeAll(async () => {
  upstream = await startFakeFunctionApp();
  emulator = new SignalREmulator({ port: 0, accessKey: KEY, upstreamUrl: upstream.url });
  await emulator.start();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await emulator.stop();
  await new Promise((r) => upstream.server.close(r));
});

describe('SignalR emulator with the real @microsoft/signalr client', () => {
  it('negotiates, handshakes and reports the connection upstream with user, claims, query and a valid signature', async () => {
    const conn = await connect('alice');
    expect(conn.state).toBe(HubConnectionState.Connected);
    expect(conn.connectionId).toMatch(/^[\w-]{22}$/);
    await waitFor(() => callsFor(conn.connectionId, 'connected').length === 1);
    const [connected] = callsFor(conn.connectionId, 'connected');
    expect(connected).toMatchObject({
      hub: HUB,
      category: 'connections',
      userId: 'alice',
      signatureOk: true,
      body: { type: 10 },
    });
    expect(connected?.claims).toContain('role: customer');
    expect(connected?.query).toMatch(/^\?hub=messaging&id=/);
    expect(emulator.stats().connections).toBe(1);
  });

  it('returns the upstream result to invoke() and forwards send() without an invocation id', async () => {
    const conn = await connect('alice');
    await expect(conn.invoke('echo', { text: 'héllo', n: 3 })).resolves.toEqual({ text: 'héllo', n: 3 });
    const who = await conn.invoke('whoami');
    expect(who).toMatchObject({ userId: 'alice', hub: HUB });
    await conn.send('notify', 'fire');
    await waitFor(() => callsFor(conn.connectionId, 'notify').length === 1);
    expect(callsFor(conn.connectionId, 'notify')[0]?.body).toEqual({ type: 1, target: 'notify', arguments: ['fire'] });
  });

  it('carries non-ASCII user ids and claims upstream as UTF-8 and reaches such a user over REST', async () => {
    const conn = build(await clientToken('zoë', { claims: { name: '张三', aud: 'custom' } }));
    await conn.start();
    const who = await conn.invoke('whoami');
    expect(who.userId).toBe('zoë');
    expect(who.claims).toBe('name: 张三, aud: custom');
    const box = inbox(conn);
    expect(
      (
        await rest('POST', `/api/hubs/${HUB}/users/${encodeURIComponent('zoë')}/:send`, {
          body: { target: 'news', arguments: ['hi zoë'] },
        })
      ).status,
    ).toBe(202);
    await settle([box]);
    expect(box).toEqual([['hi zoë']]);
  });

  it('rejects invoke() with the hub error text from a Completion error or a failing upstream status', async () => {
    const conn = await connect('alice');
    await expect(conn.invoke('fail', 'bad input')).rejects.toThrow('boom: bad input');
    await expect(conn.invoke('crash')).rejects.toThrow('Function crashed: database unreachable');
    await expect(conn.invoke('nosuchfunction')).rejects.toThrow('Invocation failed, status code 404');
    await expect(conn.invoke('echo', 'still fine')).resolves.toBe('still fine');
  });

  it('waits for the connected upstream call, then dispatches one connection’s invocations in order, one at a time', async () => {
    const conn = await connect('slow-connect');
    const results = await Promise.all([conn.invoke('slow', 1), conn.invoke('echo', 2), conn.invoke('slow', 3)]);
    expect(results).toEqual(['slow:1', 2, 'slow:3']);
    const mine = callsFor(conn.connectionId);
    expect(mine.map((c) => c.event)).toEqual(['connected', 'slow', 'echo', 'slow']);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.startedAt).toBeGreaterThanOrEqual(mine[i - 1]!.endedAt);
  });

  it('refuses forged, expired and wrong-hub tokens at negotiate', async () => {
    const negotiate = async (token: string): Promise<Response> =>
      fetch(`${emulator.endpoint}/client/negotiate?hub=${HUB}&negotiateVersion=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    const forged = await negotiate(await clientToken('mallory', { key: 'not-the-key' }));
    expect(forged.status).toBe(401);
    expect(await forged.text()).toMatch(/signature/i);
    const expired = await negotiate(await clientToken('alice', { ttlSeconds: -60 }));
    expect(expired.status).toBe(401);
    expect(await expired.text()).toMatch(/expired/i);
    const otherHub = await negotiate(await clientToken('alice', { hub: 'notifications' }));
    expect(otherHub.status).toBe(401);
    expect(await otherHub.text()).toMatch(/audience/i);
    expect((await negotiate(await clientToken('alice'))).status).toBe(200);

    await expect(build(await clientToken('mallory', { key: 'not-the-key' })).start()).rejects.toThrow(/401/);
    await expect(build(await clientToken('alice', { ttlSeconds: -60 })).start()).rejects.toThrow(/401/);
    await waitFor(() => emulator.stats().connections === 0);
  });

  it('answers an invocation over 100 KB with a hub error and keeps the connection working', async () => {
    const conn = await connect('alice');
    await expect(conn.invoke('echo', 'x'.repeat(110_000))).rejects.toThrow(
      /Message too large \(\d+ bytes, limit 102400\)/,
    );
    expect(callsFor(conn.connectionId, 'echo')).toHaveLength(0);
    await expect(conn.invoke('echo', 'after')).resolves.toBe('after');
    expect(conn.state).toBe(HubConnectionState.Connected);
  });

  it('REST sends reach exactly the addressed clients: user, group, connection, all with excluded', async () => {
    const [a1, a2, b, c] = [
      await connect('alice'),
      await connect('alice'),
      await connect('bob'),
      await connect('carol'),
    ];
    const boxes = [a1, a2, b, c].map((conn) => inbox(conn));
    const only = async (expected: unknown[][][]): Promise<void> => {
      await settle(boxes);
      boxes.forEach((box, i) => expect(box, `client ${i}`).toEqual(expected[i]));
      boxes.forEach((box) => box.splice(0));
    };

    expect(
      (
        await rest('POST', `/api/hubs/${HUB}/users/alice/:send`, {
          body: { Target: 'news', Arguments: ['to-alice', 1] },
        })
      ).status,
    ).toBe(202);
    await only([[['to-alice', 1]], [['to-alice', 1]], [], []]);

    expect((await rest('PUT', `/api/hubs/${HUB}/groups/conversation%3A1/connections/${b.connectionId}`)).status).toBe(
      200,
    );
    expect((await rest('PUT', `/api/hubs/${HUB}/users/carol/groups/conversation%3A1`)).status).toBe(200);
    expect(
      (
        await rest('POST', `/api/hubs/${HUB}/groups/conversation%3A1/:send`, {
          body: { target: 'news', arguments: ['to-group'] },
        })
      ).status,
    ).toBe(202);
    await only([[], [], [['to-group']], [['to-group']]]);

    expect(
      (
        await rest('POST', `/api/hubs/${HUB}/connections/${a2.connectionId}/:send`, {
          body: { target: 'news', arguments: ['to-a2'] },
        })
      ).status,
    ).toBe(202);
    await only([[], [['to-a2']], [], []]);

    const excluded = `&excluded=${a1.connectionId}&excluded=${c.connectionId}`;
    expect(
      (
        await rest('POST', `/api/hubs/${HUB}/:send`, {
          body: { target: 'news', arguments: ['to-all'] },
          query: excluded,
        })
      ).status,
    ).toBe(202);
    await only([[], [['to-all']], [['to-all']], []]);

    expect(
      (
        await rest('POST', `/api/hubs/${HUB}/groups/conversation%3A1/:send`, {
          body: { target: 'news', arguments: ['group-ex'] },
          query: `&excluded=${b.connectionId}`,
        })
      ).status,
    ).toBe(202);
    await only([[], [], [], [['group-ex']]]);
  });

  it('delivers a group message once to a connection that is in the group both by user and by connection', async () => {
    const conn = await connect('dave');
    const box = inbox(conn);
    await rest('PUT', `/api/hubs/${HUB}/users/dave/groups/g-twice`);
    await rest('PUT', `/api/hubs/${HUB}/groups/g-twice/connections/${conn.connectionId}`);
    await rest('POST', `/api/hubs/${HUB}/groups/g-twice/:send`, { body: { target: 'news', arguments: ['once'] } });
    await settle([box]);
    expect(box).toEqual([['once']]);
  });

  it('applies a user→group membership to a connection made later', async () => {
    expect((await rest('PUT', `/api/hubs/${HUB}/users/erin/groups/later`)).status).toBe(200);
    const conn = await connect('erin');
    const box = inbox(conn);
    await rest('POST', `/api/hubs/${HUB}/groups/later/:send`, { body: { target: 'news', arguments: ['welcome'] } });
    await settle([box]);
    expect(box).toEqual([['welcome']]);
  });

  it('drops connection→group membership on disconnect and reports the disconnect upstream', async () => {
    const conn = await connect('frank');
    const id = conn.connectionId!;
    expect((await rest('PUT', `/api/hubs/${HUB}/groups/lonely/connections/${id}`)).status).toBe(200);
    expect((await rest('HEAD', `/api/hubs/${HUB}/groups/lonely`)).status).toBe(200);
    await conn.stop();
    await waitFor(() => callsFor(id, 'disconnected').length === 1 && emulator.stats().connections === 0);
    expect(callsFor(id, 'disconnected')[0]).toMatchObject({
      category: 'connections',
      userId: 'frank',
      signatureOk: true,
      body: { type: 11 },
    });
    const head = await rest('HEAD', `/api/hubs/${HUB}/groups/lonely`);
    expect(head.status).toBe(404);
    expect(head.headers.get('x-ms-error-code')).toBe('Warning.Group.NotExisted');
    expect((await rest('HEAD', `/api/hubs/${HUB}/connections/${id}`)).headers.get('x-ms-error-code')).toBe(
      'Warning.Connection.NotExisted',
    );
  });

  it('lets a withAutomaticReconnect client reconnect (fresh negotiate) after REST closes its connection', async () => {
    const conn = build(await clientToken('gina'), undefined, true);
    await conn.start();
    const firstId = conn.connectionId!;
    const reconnected = new Promise<string | undefined>((resolve) => conn.onreconnected(resolve));
    expect((await rest('DELETE', `/api/hubs/${HUB}/connections/${firstId}`, { query: '&reason=kicked' })).status).toBe(
      200,
    );
    const newId = await reconnected;
    expect(newId).toEqual(expect.any(String));
    expect(newId).not.toBe(firstId);
    await waitFor(() => callsFor(firstId, 'disconnected').length === 1);
    expect(callsFor(firstId, 'disconnected')[0]?.body).toEqual({ type: 11, error: 'kicked' });
    await waitFor(() => callsFor(newId!, 'connected').length === 1);
    await expect(conn.invoke('echo', 'back')).resolves.toBe('back');
  });

  it('follows the /api/negotiate redirect ({url, accessToken}) of the Function app to the emulator', async () => {
    const seen: string[] = [];
    const app = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      void clientToken('hank').then((accessToken) => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ url: `${emulator.endpoint}/client/?hub=${HUB}`, accessToken }));
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    try {
      const port = (app.address() as AddressInfo).port;
      const conn = new HubConnectionBuilder()
        .withUrl(`http://127.0.0.1:${port}/api`)
        .configureLogging(LogLevel.None)
        .build();
      open.push(conn);
      await conn.start();
      expect(seen).toEqual(['POST /api/negotiate?negotiateVersion=1']);
      expect(conn.state).toBe(HubConnectionState.Connected);
      await expect(conn.invoke('whoami')).resolves.toMatchObject({ userId: 'hank' });
    } finally {
      await new Promise((r) => app.close(r));
    }
  });
});
