import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSignalRConnectionString } from '../shared/adapters/signalr/connection-string.js';

// why: this file runs from local/ (tests) and from dist/local/ (npm start); Vite builds the client into dist/web
const ROOT = [new URL('../dist/web/', import.meta.url), new URL('../web/', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => dir.endsWith(`dist${sep}web${sep}`) && existsSync(`${dir}index.html`));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

/** The client talks to this origin and to the SignalR endpoint that negotiate hands out (the emulator, another port). */
function signalROrigins(): string[] {
  try {
    const u = new URL(parseSignalRConnectionString(process.env.AzureSignalRConnectionString ?? '').clientEndpoint);
    return [u.origin, `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}`];
  } catch {
    return [];
  }
}

/**
 * Built by Vite, the client has no inline script or style: 'self' is all it needs. Images and audio come from
 * short-lived storage URLs (Azurite on a local port) and link previews (https), uploads go to this origin.
 */
function clientCsp(): string {
  const local = 'http://127.0.0.1:* http://localhost:*';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: https: ${local}`,
    `media-src 'self' blob: https: ${local}`,
    `connect-src 'self' ${signalROrigins().join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Serves the built reference web client (web/, `npm run build`) at / on the local stack. */
export function webClient(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    // why: a malformed escape (e.g. a lone surrogate) names no file; the API routes answer it with their own 4xx
    return false;
  }
  if (!ROOT) {
    if (path !== '/') return false;
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...COMMON })
      .end('The web client is not built: run `npm run build` (it builds web/ into dist/web).\n');
    return true;
  }
  const rel = normalize(path === '/' ? 'index.html' : path.slice(1));
  if (rel.startsWith('..') || rel.includes(`${sep}..`)) return false;
  const file = `${ROOT}${rel}`;
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'content-type': type,
    // why: hashed asset names never change; the page and its config are checked on every load
    'cache-control': rel.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(type.startsWith('text/html') && { 'content-security-policy': clientCsp() }),
    ...COMMON,
  });
  res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  return true;
}
