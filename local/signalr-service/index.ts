import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { frame, MessageType, RecordReader, type HubMessage } from './hub-protocol.js';
import { HubState, type ClientConnection } from './hub-state.js';
import { closeFrame, handleRest } from './rest-api.js';
import { bearerOf, normalizeAudience, userIdOf, verifyServiceToken } from './tokens.js';
import { invoke, lifecycleEvent } from './upstream.js';

export interface SignalREmulatorOptions {
  /** 0 = any free port; default 8888 like Microsoft's emulator */
  port?: number;
  host?: string;
  /** HS256 key (UTF-8 bytes of the string), as in the connection string */
  accessKey: string;
  upstreamUrl?: string;
  keepAliveMs?: number;
  clientTimeoutMs?: number;
  /** Largest client message accepted (bytes); default 100 KB */
  maxMessageBytes?: number;
}

interface Pending {
  connectionId: string;
  hub: string;
  userId: string | undefined;
  claims: Record<string, unknown>;
  at: number;
}

const HUB_NAME = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

/**
 * A local Azure SignalR Service in Serverless mode for the real `@microsoft/signalr` client: negotiate (v1),
 * WebSockets with the JSON hub protocol, access-token checks, users and groups, the data-plane REST API and
 * upstream calls to the Functions SignalR webhook.
 */
export class SignalREmulator {
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  private readonly state = new HubState();
  private readonly pending = new Map<string, Pending>();
  private upstreamUrl: string | undefined;
  /** Upstream calls still running for closed connections (awaited by stop, so `disconnected` is delivered). */
  private readonly draining = new Set<Promise<unknown>>();
  private port = 0;
  private readonly host: string;

  constructor(private readonly opts: SignalREmulatorOptions) {
    this.upstreamUrl = opts.upstreamUrl;
    this.host = opts.host ?? '127.0.0.1';
  }

  get endpoint(): string {
    return `http://${this.host}:${this.port}`;
  }

  connectionString(): string {
    return `Endpoint=http://${this.host};Port=${this.port};AccessKey=${this.opts.accessKey};Version=1.0;`;
  }

  setUpstreamUrl(url: string): void {
    this.upstreamUrl = url;
  }

  stats(): { connections: number } {
    return { connections: this.state.connections.size };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handleHttp(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(e instanceof Error ? e.message : 'error');
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      this.accept(req)
        .then((pending) => this.wss.handleUpgrade(req, socket, head, (ws) => this.run(ws, pending, req)))
        .catch((e: unknown) => {
          socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${e instanceof Error ? e.message : 'unauthorized'}`);
        });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.opts.port ?? 8888, this.host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = [...this.state.connections.values()].map((c) => new Promise((r) => c.socket.once('close', r)));
    for (const c of this.state.connections.values()) c.socket.terminate();
    await Promise.all(closed);
    await Promise.allSettled([...this.draining]);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!origin) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-allow-headers', 'authorization, x-requested-with, x-signalr-user-agent, content-type');
    res.setHeader('access-control-allow-methods', 'GET, POST, PUT, DELETE, HEAD, OPTIONS');
  }

  /** Verifies a client token for a hub: signature, lifetime, and `aud` = <scheme>://<host>/client/?hub=<hub>. */
  private async clientPrincipal(token: string | undefined, hub: string): Promise<{ userId: string | undefined; claims: Record<string, unknown> }> {
    if (!token) throw new Error('no access token');
    const payload = await verifyServiceToken(token, this.opts.accessKey, (aud) => {
      const a = normalizeAudience(aud);
      return a !== null && a.path === '/client' && (a.query.get('hub') ?? '').toLowerCase() === hub;
    });
    return { userId: userIdOf(payload), claims: payload };
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const method = (req.method ?? 'GET').toUpperCase();
    this.cors(req, res);
    if (method === 'OPTIONS') return void res.writeHead(204).end();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');

    if (/^\/api\/(v1\/)?health$/.test(url.pathname)) return void res.writeHead(200).end();
    if (url.pathname.startsWith('/client/negotiate') || url.pathname === '/client/negotiate/') {
      if (method !== 'POST') return void res.writeHead(405).end();
      const hub = (url.searchParams.get('hub') ?? '').toLowerCase();
      if (!HUB_NAME.test(hub)) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'hub is missing or invalid' }));
      let principal;
      try {
        principal = await this.clientPrincipal(bearerOf(req.headers.authorization, url.searchParams), hub);
      } catch (e) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unauthorized: ${e instanceof Error ? e.message : 'bad token'}` }));
      }
      const connectionId = randomBytes(16).toString('base64url');
      const connectionToken = randomBytes(24).toString('base64url');
      this.pending.set(connectionToken, { connectionId, hub, ...principal, at: Date.now() });
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ connectionToken, connectionId, negotiateVersion: 1, availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }] }),
      );
    }
    if (url.pathname.startsWith('/api/')) {
      try {
        await verifyServiceToken(bearerOf(req.headers.authorization, new URLSearchParams()) ?? '', this.opts.accessKey, (aud) => {
          const a = normalizeAudience(aud);
          return a !== null && a.path.startsWith('/api');
        });
      } catch (e) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'Unauthorized', message: e instanceof Error ? e.message : 'bad token' }));
      }
      return handleRest({ state: this.state, close: (c, reason) => this.close(c, reason) }, req, res, url, body);
    }
    res.writeHead(404).end();
  }

  /** Checks a WebSocket request: a negotiated id (or skipNegotiation) and a token for the same user. */
  private async accept(req: IncomingMessage): Promise<Pending> {
    const url = new URL(req.url ?? '/', this.endpoint);
    if (!url.pathname.startsWith('/client')) throw new Error('not a client endpoint');
    const hub = (url.searchParams.get('hub') ?? '').toLowerCase();
    const principal = await this.clientPrincipal(bearerOf(req.headers.authorization, url.searchParams), hub);
    const id = url.searchParams.get('id');
    if (id === null) return { connectionId: randomBytes(16).toString('base64url'), hub, ...principal, at: Date.now() };
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (!pending || pending.hub !== hub) throw new Error('unknown connection id');
    if (pending.userId !== principal.userId) throw new Error('token user differs from the negotiated one');
    return pending;
  }

  private close(c: ClientConnection, reason: string | undefined): void {
    if (c.socket.readyState === c.socket.OPEN) c.socket.send(closeFrame(reason));
    c.socket.close(1000);
  }

  private run(ws: WebSocket, p: Pending, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', this.endpoint).search;
    const conn: ClientConnection = { id: p.connectionId, hub: p.hub, userId: p.userId, claims: p.claims, query, socket: ws, groups: new Set() };
    const reader = new RecordReader();
    const maxBytes = this.opts.maxMessageBytes ?? 100 * 1024;
    let handshaken = false;
    let lastSeen = Date.now();
    let queue: Promise<unknown> = Promise.resolve();
    const send = (text: string) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    };

    const keepAlive = setInterval(() => {
      if (Date.now() - lastSeen > (this.opts.clientTimeoutMs ?? 30_000)) {
        send(frame({ type: MessageType.Close, error: 'Server timeout elapsed without receiving a message from the client.', allowReconnect: true }));
        ws.close(1000);
      } else if (handshaken) send(frame({ type: MessageType.Ping }));
    }, this.opts.keepAliveMs ?? 15_000);
    keepAlive.unref();

    const handle = (text: string) => {
      const bytes = Buffer.byteLength(text);
      let msg: HubMessage;
      try {
        msg = JSON.parse(text) as HubMessage;
      } catch {
        return;
      }
      if (!handshaken) {
        if (msg.protocol !== 'json') {
          send(frame({ error: `protocol ${String(msg.protocol)} is not supported; use json` }));
          ws.close(1000);
          return;
        }
        handshaken = true;
        this.state.add(conn);
        send(frame({}));
        queue = queue.then(() => lifecycleEvent(this.upstreamUrl, this.opts.accessKey, conn, 'connected'));
        return;
      }
      const invocationId = typeof msg.invocationId === 'string' ? msg.invocationId : undefined;
      if (msg.type === MessageType.Close) return void ws.close(1000);
      if (msg.type === MessageType.Ping || msg.type === MessageType.Completion || msg.type === MessageType.CancelInvocation) return;
      if (msg.type !== MessageType.Invocation || typeof msg.target !== 'string') {
        if (invocationId !== undefined) send(frame({ type: MessageType.Completion, invocationId, error: 'Streaming is not supported in serverless mode' }));
        return;
      }
      if (bytes > maxBytes) {
        // why: refuse only this call; the connection stays usable
        if (invocationId !== undefined) send(frame({ type: MessageType.Completion, invocationId, error: `Message too large (${bytes} bytes, limit ${maxBytes})` }));
        return;
      }
      const target = msg.target;
      queue = queue.then(async () => {
        const reply = await invoke(this.upstreamUrl, this.opts.accessKey, conn, text, invocationId, target);
        if (reply !== undefined) send(reply);
      });
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      lastSeen = Date.now();
      if (isBinary) return;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      for (const record of reader.push(text)) handle(record);
      if (reader.pendingBytes > maxBytes * 4) reader.reset();
    });
    ws.on('close', () => {
      clearInterval(keepAlive);
      if (!handshaken) return;
      this.state.remove(conn.id);
      queue = queue.then(() => lifecycleEvent(this.upstreamUrl, this.opts.accessKey, conn, 'disconnected'));
      const done = queue.finally(() => this.draining.delete(done));
      this.draining.add(done);
    });
    ws.on('error', () => ws.terminate());
  }
}
