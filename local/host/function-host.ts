import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invokeRegistered, type RpcHttpData, typedDataToValue } from './core-api.js';
import { type HttpRoute, httpRoutes, matchRoute } from './routing.js';
import { flushOutputs, handleUpstream } from './signalr-extension.js';

/** host.json's `extensions.http.routePrefix` (default `api`), found from here or from dist/, like the host reads it. */
function readRoutePrefix(): string {
  for (const rel of ['../../host.json', '../../../host.json']) {
    const file = new URL(rel, import.meta.url);
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8')) as { extensions?: { http?: { routePrefix?: unknown } } };
    const prefix = json.extensions?.http?.routePrefix;
    return typeof prefix === 'string' ? prefix.replace(/^\/+|\/+$/g, '') : 'api';
  }
  return 'api';
}
/**
 * Largest request body the local host reads (Azure's host takes up to 100 MB): room for a 10 MB upload and its
 * multipart framing; the app's own checks refuse smaller bodies with their own details (JSON 100 KB, files 10 MB).
 */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Past the limit the rest of the body is read and dropped, up to this, so the keep-alive connection stays usable. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

function problem(
  res: ServerResponse,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: `urn:chat-backend:problem:${code}`, title: code, status, detail, code }));
}

/**
 * CORS like the platform's (siteConfig.cors with supportCredentials): only the listed origins get allow headers,
 * with credentials, because @microsoft/signalr negotiates with credentials. Returns false for a foreign origin.
 */
function cors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  res.setHeader('vary', 'origin');
  if (!allowed.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-allow-headers', 'authorization, content-type, x-requested-with, x-signalr-user-agent');
  res.setHeader('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  return true;
}

class BodyTooLarge extends Error {
  constructor(
    /** false: the rest was drained and the connection can carry the next request; true: it must be closed. */
    readonly mustClose: boolean,
  ) {
    super('request body too large');
  }
}

/**
 * Reads the body. Past MAX_BODY_BYTES it keeps reading and drops the rest (never leaving unread bytes in the
 * connection, which the next request on it would be parsed from, or wait behind), or, past MAX_DRAIN_BYTES or a
 * declared length beyond it, gives up on the connection.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_DRAIN_BYTES) return Promise.reject(new BodyTooLarge(true));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const onData = (b: Buffer) => {
      size += b.length;
      if (size > MAX_DRAIN_BYTES) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge(true));
        return;
      }
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
      } else chunks.push(b);
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => (over ? reject(new BodyTooLarge(false)) : resolve(Buffer.concat(chunks))));
  });
}

/**
 * A stand-in for the Azure Functions host (which cannot run here): serves the registered HTTP functions under
 * `/api`, the SignalR upstream webhook, and fulfils signalR outputs, using the functions' own registrations.
 */
export class FunctionHost {
  private server: Server | undefined;
  private routes: HttpRoute[] = [];
  private readonly routePrefix = readRoutePrefix();
  /** Extra handlers for paths outside /api (the demo page). Return true when handled. */
  readonly extras: ((req: IncomingMessage, res: ServerResponse) => boolean)[] = [];
  /** Exact browser origins allowed (CORS_ALLOWED_ORIGINS); the stack defaults it to the host's own origin. */
  allowedOrigins: readonly string[] = [];

  async start(port: number, host = '127.0.0.1'): Promise<string> {
    this.routes = httpRoutes();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        console.error('local host error', e);
        if (!res.headersSent) problem(res, 500, 'HOST.ERROR', 'the local host failed');
        else res.end();
      });
    });
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    return `http://${host}:${addr.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const corsAllowed = cors(req, res, this.allowedOrigins);
    if (method === 'OPTIONS') {
      // why: a preflight from a foreign origin is refused outright, as the platform does
      res.writeHead(corsAllowed ? 204 : 403).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      const detail = `request body over ${MAX_BODY_BYTES} bytes (the largest attachment is 10 MB)`;
      if (!e.mustClose) return problem(res, 413, 'REQUEST.TOO_LARGE', detail);
      // why: the unread rest cannot stay in the connection; say so, then close it once the answer is out
      problem(res, 413, 'REQUEST.TOO_LARGE', detail, { connection: 'close' });
      res.once('finish', () => req.socket.destroySoon());
      return;
    }
    if (url.pathname === '/runtime/webhooks/signalr' && method === 'POST') {
      const answer = await handleUpstream({ headers: req.headers as Record<string, string | undefined>, body });
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' });
      res.end(answer.body ?? '');
      return;
    }
    const prefix = this.routePrefix === '' ? '/' : `/${this.routePrefix}/`;
    if (!url.pathname.startsWith(prefix)) {
      if (this.extras.some((h) => h(req, res))) return;
      return problem(
        res,
        404,
        'ROUTE.NOT_FOUND',
        `no route ${url.pathname}; the API lives under /${this.routePrefix}/ (see /api/openapi.json)`,
      );
    }
    const { match, allowed } = matchRoute(this.routes, url.pathname.slice(prefix.length), method);
    // why: with an empty route prefix, paths no function claims fall through to the extras (the demo page)
    if (!match && allowed.length === 0 && this.extras.some((h) => h(req, res))) return;
    if (!match) {
      if (allowed.length > 0)
        return problem(res, 405, 'METHOD.NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(', ')}`, {
          allow: allowed.join(', '),
        });
      return problem(res, 404, 'ROUTE.NOT_FOUND', `no route ${url.pathname} (see /api/openapi.json)`);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const http: RpcHttpData = {
      method,
      url: url.toString(),
      headers,
      query: Object.fromEntries(url.searchParams.entries()),
      params: match.params,
      body: body.length > 0 ? { bytes: body } : null,
    };
    const response = await invokeRegistered(match.route.reg, [{ name: match.route.triggerName, data: { http } }]);
    try {
      await flushOutputs(match.route.reg, response);
    } catch (e) {
      // why: on Azure a failing output binding fails the invocation too; the state is durable and a retry with the
      // same clientMessageId returns it, so the sender learns the truth
      console.error(`output binding of ${match.route.reg.metadata.name} failed:`, e instanceof Error ? e.message : e);
      return problem(
        res,
        500,
        'REALTIME.PUSH_FAILED',
        'the change was saved but pushing it to connected clients failed; retrying is safe and clients catch up with GET',
      );
    }
    const out = response.returnValue?.http;
    if (!out) {
      res.writeHead(204).end();
      return;
    }
    const status = Number(out.statusCode ?? '200');
    const bytes = typedDataToValue(out.body);
    res.writeHead(status, out.headers ?? {});
    res.end(
      status === 204 || status === 304
        ? undefined
        : bytes === undefined
          ? undefined
          : Buffer.isBuffer(bytes)
            ? bytes
            : typeof bytes === 'string'
              ? bytes
              : JSON.stringify(bytes),
    );
  }
}
