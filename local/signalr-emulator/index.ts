/**
 * A local Azure SignalR Service in Serverless mode: negotiate + WebSockets + JSON hub protocol for real
 * `@microsoft/signalr` clients, the data-plane REST API for the Functions output binding, and upstream
 * calls to the Functions SignalR trigger webhook.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientConnection } from './client-connection.js';
import { ClientEndpoint } from './client-endpoint.js';
import { buildConnectionString } from './connection-string.js';
import { type AllowedOrigins, answerPreflight, applyCors, sendJson } from './http-util.js';
import { HubRegistry } from './hub-state.js';
import { handleRestRequest } from './rest-api.js';
import { Upstream } from './upstream.js';

export { parseConnectionString } from './connection-string.js';
export { signAccessToken } from './tokens.js';
export { connectionSignature } from './upstream.js';

export interface SignalREmulatorOptions {
  /** 0 = random; default 8888. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** HS256 key (UTF-8 bytes of the string), as in the connection string. */
  accessKey: string;
  /** e.g. 'http://127.0.0.1:7071/runtime/webhooks/signalr' (`{hub}`, `{category}`, `{event}` are filled in); may be set later. */
  upstreamUrl?: string;
  /** Server ping interval; default 15000. */
  keepAliveMs?: number;
  /** Close a connection whose client sent nothing for this long; default 30000. */
  clientTimeoutMs?: number;
  /** Browser origins allowed with credentials (CORS_ALLOWED_ORIGINS); default: any, like Microsoft's emulator. */
  allowedOrigins?: readonly string[];
  /** Diagnostics (upstream failures, dropped messages); default: silent. */
  log?: (message: string) => void;
}

/** How long stop() lets clients finish the closing handshake and upstream take the disconnects. */
const STOP_GRACE_MS = 2_000;

export class SignalREmulator {
  private readonly hubs = new HubRegistry();
  private readonly upstream: Upstream;
  private readonly clients: ClientEndpoint;
  private readonly live = new Set<ClientConnection>();
  private readonly server: Server;
  private readonly log: (message: string) => void;
  private url: string | undefined;
  private allowedOrigins: AllowedOrigins;

  constructor(private readonly opts: SignalREmulatorOptions) {
    if (opts.accessKey === '') throw new Error('SignalREmulator: accessKey must not be empty');
    this.log = opts.log ?? (() => undefined);
    this.allowedOrigins = opts.allowedOrigins;
    this.upstream = new Upstream(opts.accessKey, opts.upstreamUrl);
    this.clients = new ClientEndpoint({
      hubs: this.hubs,
      upstream: this.upstream,
      accessKey: opts.accessKey,
      hosts: (req) => this.hosts(req),
      keepAliveMs: opts.keepAliveMs ?? 15_000,
      clientTimeoutMs: opts.clientTimeoutMs ?? 30_000,
      log: this.log,
      onConnection: (conn) => {
        this.live.add(conn);
        void conn.finished.then(() => this.live.delete(conn));
      },
    });
    this.server = createServer((req, res) => void this.onRequest(req, res));
    // why: callers keep connections alive (the functions' REST pushes); closing idle ones after Node's default 5 s
    // races with their next call on a busy machine, as the Functions host's own server avoids with 65 s
    this.server.keepAliveTimeout = 65_000;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  /** e.g. 'http://127.0.0.1:8888' (valid after start). */
  get endpoint(): string {
    if (this.url === undefined) throw new Error('SignalREmulator: endpoint is known only after start()');
    return this.url;
  }

  async start(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 8888, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    // why: a wildcard bind is reached through loopback
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.url = `http://${reachable}:${port}`;
  }

  /** Closes every client (Close message, then socket), waits briefly for their `disconnected` upstream calls, stops listening. */
  async stop(): Promise<void> {
    const conns = [...this.live];
    for (const conn of conns) conn.close('Server is shutting down', true);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    const closed = Promise.all(conns.map((c) => c.finished)).then(() => undefined);
    await Promise.race([closed, grace]);
    for (const conn of this.live) conn.terminate();
    this.clients.close();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  connectionString(): string {
    return buildConnectionString(this.endpoint, this.opts.accessKey);
  }

  setAllowedOrigins(origins: readonly string[]): void {
    this.allowedOrigins = origins;
  }

  setUpstreamUrl(url: string): void {
    this.upstream.setUrl(url);
  }

  stats(): { connections: number } {
    return { connections: this.hubs.connectionCount };
  }

  /** Host names token audiences may name: the bind host, the advertised one, and whatever the client called us by. */
  private hosts(req: IncomingMessage): string[] {
    const hosts = [this.opts.host ?? '127.0.0.1'];
    if (this.url !== undefined) hosts.push(new URL(this.url).hostname);
    const header = req.headers.host;
    if (header !== undefined) {
      try {
        hosts.push(new URL(`http://${header}`).hostname);
      } catch {
        // a malformed Host header adds nothing
      }
    }
    return hosts;
  }

  private requestUrl(req: IncomingMessage): URL {
    return new URL(req.url ?? '/', 'http://emulator.invalid');
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method === 'OPTIONS') return answerPreflight(req, res, this.allowedOrigins);
      applyCors(req, res, this.allowedOrigins);
      const url = this.requestUrl(req);
      if (await this.clients.handleHttp(req, res, url)) return;
      if (
        await handleRestRequest(req, res, url, {
          hubs: this.hubs,
          accessKey: this.opts.accessKey,
          hosts: (r) => this.hosts(r),
        })
      )
        return;
      sendJson(res, 404, { error: `Nothing at ${url.pathname}` });
    } catch (err) {
      this.log(
        `request ${req.method ?? ''} ${req.url ?? ''} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal emulator error' });
      else res.destroy();
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.clients.handleUpgrade(req, socket, head, this.requestUrl(req))) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
  }
}
