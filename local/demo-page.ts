import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// why: this file runs from local/ (tests) and from dist/local/ (npm start); the page stays in local/public
const PAGE = [
  new URL('./public/index.html', import.meta.url),
  new URL('../../local/public/index.html', import.meta.url),
].find((u) => existsSync(u));

/** Serves the demo chat page at / and the browser SignalR client at /signalr.js (local stack only). */
export function demoPage(req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET') return false;
  if ((path === '/' || path === '/index.html') && PAGE) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(PAGE));
    return true;
  }
  if (path === '/signalr.js') {
    res
      .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      .end(readFileSync(require.resolve('@microsoft/signalr/dist/browser/signalr.min.js')));
    return true;
  }
  return false;
}
