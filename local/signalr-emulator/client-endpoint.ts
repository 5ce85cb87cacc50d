/** The client side of the service: `POST /client/negotiate?hub=…` and the WebSocket at `/client/?hub=…&id=…`. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { isClientAudience } from './audience.js';
import { ClientConnection, MAX_BUFFERED_BYTES } from './client-connection.js';
import { sendJson } from './http-util.js';
import { type HubRegistry, isValidHub } from './hub-state.js';
import { tokenFromRequest, userClaimItems, userIdFromClaims, verifyAccessToken } from './tokens.js';
import type { Upstream } from './upstream.js';

/** How long a negotiated connection token waits for its WebSocket. */
const NEGOTIATION_TTL_MS = 60_000;
const NEGOTIATE_PATH = /^\/client\/negotiate\/?$/i;
const CONNECT_PATH = /^\/client\/?$/i;

export interface ClientEndpointDeps {
  hubs: HubRegistry;
  upstream: Upstream;
  accessKey: string;
  hosts: (req: IncomingMessage) => string[];
  keepAliveMs: number;
  clientTimeoutMs: number;
  log: (message: string) => void;
  onConnection: (conn: ClientConnection) => void;
}

interface Negotiated {
  hub: string;
  connectionId: string;
  userId: string | undefined;
  expiresAt: number;
}

type Authenticated =
  | { ok: true; hub: string; userId: string | undefined; claims: string[] }
  | { ok: false; status: number; reason: string };

const newId = (): string => randomBytes(16).toString('base64url');

export class ClientEndpoint {
  /** Negotiated, not yet connected: connection token → connection. */
  private readonly negotiations = new Map<string, Negotiated>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BUFFERED_BYTES });

  constructor(private readonly deps: ClientEndpointDeps) {}

  /** Answers the request if it is a client path; returns false otherwise. */
  async handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (NEGOTIATE_PATH.test(url.pathname)) {
      await this.negotiate(req, res, url);
      return true;
    }
    if (CONNECT_PATH.test(url.pathname)) {
      sendJson(res, 400, { error: 'Only the WebSockets transport is supported by this emulator' });
      return true;
    }
    return false;
  }

  /** Handles an HTTP upgrade if it targets `/client`; returns false otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    if (!CONNECT_PATH.test(url.pathname)) return false;
    // why: the listener stays for the socket's life; a client that drops its connection (ECONNRESET, EPIPE) is normal
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') this.deps.log(`socket error: ${err.message}`);
    });
    void this.upgrade(req, socket, head, url).catch((err: unknown) => {
      this.deps.log(`upgrade failed: ${String(err)}`);
      reject(socket, 500, 'Internal error');
    });
    return true;
  }

  close(): void {
    this.wss.close();
    this.negotiations.clear();
  }

  private async negotiate(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'Negotiate needs POST' }, { allow: 'POST, OPTIONS' });
      return;
    }
    const auth = await this.authenticate(req, url);
    if (!auth.ok) {
      sendJson(res, auth.status, { error: auth.reason });
      return;
    }
    this.sweep();
    const connectionId = newId();
    // why: without negotiateVersion (v0) the client uses the connection id as its token
    const v1 = Number(url.searchParams.get('negotiateVersion') ?? '0') >= 1;
    const connectionToken = v1 ? newId() : connectionId;
    this.negotiations.set(connectionToken, {
      hub: auth.hub,
      connectionId,
      userId: auth.userId,
      expiresAt: Date.now() + NEGOTIATION_TTL_MS,
    });
    const availableTransports = [{ transport: 'WebSockets', transferFormats: ['Text'] }];
    sendJson(
      res,
      200,
      v1
        ? { connectionToken, connectionId, negotiateVersion: 1, availableTransports }
        : { connectionId, negotiateVersion: 0, availableTransports },
    );
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    const auth = await this.authenticate(req, url);
    if (!auth.ok) return reject(socket, auth.status, auth.reason);
    const id = url.searchParams.get('id');
    let connectionId: string;
    if (id === null) {
      connectionId = newId(); // skipNegotiation: the WebSocket itself creates the connection
    } else {
      const negotiated = this.negotiations.get(id);
      if (negotiated === undefined || negotiated.expiresAt < Date.now() || negotiated.hub !== auth.hub) {
        return reject(socket, 404, 'No Connection with that ID');
      }
      if (negotiated.userId !== auth.userId)
        return reject(socket, 401, 'The access token is for another user than the negotiated connection');
      this.negotiations.delete(id);
      connectionId = negotiated.connectionId;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new ClientConnection(ws, {
        hub: auth.hub,
        connectionId,
        userId: auth.userId,
        claims: auth.claims,
        query: clientQuery(url),
        state: this.deps.hubs.get(auth.hub),
        upstream: this.deps.upstream,
        keepAliveMs: this.deps.keepAliveMs,
        clientTimeoutMs: this.deps.clientTimeoutMs,
        log: this.deps.log,
      });
      this.deps.onConnection(conn);
    });
  }

  private async authenticate(req: IncomingMessage, url: URL): Promise<Authenticated> {
    const rawHub = url.searchParams.get('hub');
    if (rawHub === null || !isValidHub(rawHub))
      return { ok: false, status: 400, reason: `Query "hub" must be a valid hub name, got ${JSON.stringify(rawHub)}` };
    const hub = rawHub.toLowerCase();
    const token = tokenFromRequest(req.headers.authorization, url.searchParams, true);
    if (token === undefined)
      return {
        ok: false,
        status: 401,
        reason: 'An access token is required (Authorization: Bearer or access_token query)',
      };
    const verified = await verifyAccessToken(token, this.deps.accessKey, (aud) =>
      isClientAudience(aud, hub, this.deps.hosts(req)),
    );
    if (!verified.ok) return { ok: false, status: 401, reason: verified.reason };
    return { ok: true, hub, userId: userIdFromClaims(verified.claims), claims: userClaimItems(verified.claims) };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, n] of this.negotiations) if (n.expiresAt < now) this.negotiations.delete(token);
  }
}

/** The connect query for `X-ASRS-Client-Query`, without the access token (a secret the Function app need not see). */
function clientQuery(url: URL): string {
  const query = new URLSearchParams(url.searchParams);
  query.delete('access_token');
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  500: 'Internal Server Error',
};

/** Refuses an upgrade with a plain HTTP answer (the WebSocket client sees the status). */
function reject(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: reason });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
