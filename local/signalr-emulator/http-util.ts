/** Small HTTP helpers shared by the client endpoint and the REST API: CORS, JSON answers, bounded bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS = 'authorization, x-requested-with, x-signalr-user-agent, content-type';
const ALLOWED_METHODS = 'GET, POST, PUT, DELETE, HEAD, OPTIONS';

/** Origins allowed to call with credentials; undefined = any (Microsoft's emulator behaviour). */
export type AllowedOrigins = readonly string[] | undefined;

/**
 * Browsers call with credentials (the SignalR client's default), so an allowed Origin is echoed, never `*`, like
 * the service's CORS setting; a foreign origin gets no allow headers. Returns whether the origin is allowed.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: AllowedOrigins): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  res.setHeader('Vary', 'Origin');
  if (allowed !== undefined && !allowed.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  return true;
}

export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowed: AllowedOrigins): void {
  if (!applyCors(req, res, allowed)) {
    res.writeHead(403).end();
    return;
  }
  res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
  res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', '600');
  res.writeHead(204).end();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 }).end();
}

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`Request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
