import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { parseSignalRConnectionString } from '../shared/adapters/signalr/connection-string.js';

const require = createRequire(import.meta.url);

// why: this file runs from local/ (tests) and from dist/local/ (npm start); the page stays in local/public
const PAGE = [
  new URL('./public/index.html', import.meta.url),
  new URL('../../local/public/index.html', import.meta.url),
].find((u) => existsSync(u));

const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

/** 'sha256-…' sources for the page's inline blocks of this tag, so the CSP allows exactly them and nothing injected. */
function inlineHashes(html: string, tag: 'script' | 'style'): string[] {
  const blocks = html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'));
  return [...blocks].map(
    (m) =>
      `'sha256-${createHash('sha256')
        .update(m[1] ?? '')
        .digest('base64')}'`,
  );
}

/** The page talks to this origin and to the SignalR endpoint that negotiate hands out (the emulator, another port). */
function signalROrigins(): string[] {
  try {
    const u = new URL(parseSignalRConnectionString(process.env.AzureSignalRConnectionString ?? '').clientEndpoint);
    return [u.origin, `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}`];
  } catch {
    return [];
  }
}

function demoPageCsp(html: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${inlineHashes(html, 'script').join(' ')}`,
    `style-src ${inlineHashes(html, 'style').join(' ')}`,
    `connect-src 'self' ${signalROrigins().join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Serves the demo chat page at / and the browser SignalR client at /signalr.js (local stack only). */
export function demoPage(req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET') return false;
  if ((path === '/' || path === '/index.html') && PAGE) {
    const html = readFileSync(PAGE, 'utf8');
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': demoPageCsp(html),
        ...COMMON,
      })
      .end(html);
    return true;
  }
  if (path === '/signalr.js') {
    res
      .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...COMMON })
      .end(readFileSync(require.resolve('@microsoft/signalr/dist/browser/signalr.min.js')));
    return true;
  }
  return false;
}
