import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // why: a microphone for voice recording (MediaRecorder): Chromium's fake device plays a beep, no prompt is shown
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Debian's Chromium through playwright-core (never a downloaded browser), with the web client built. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  if (!existsSync(`${ROOT}dist/web/index.html`)) {
    // why: `npm test` builds first; a lone `vitest run` of a browser test builds the client itself
    const { build } = await import('vite');
    await build({ configFile: `${ROOT}web/vite.config.ts`, logLevel: 'warn' });
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A data-plane call on the SignalR emulator, as the service's REST API is called: drops every connection of a user
 * from the server side (Playwright's offline mode leaves open WebSockets alone). Answers the HTTP status.
 */
export async function closeConnectionsOf(signalrEndpoint: string, userId: string): Promise<number> {
  const conn = parseSignalRConnectionString(process.env.AzureSignalRConnectionString as string);
  const path = `/api/hubs/messaging/users/${userId}/:closeConnections`;
  const token = await signSignalRToken({
    accessKey: conn.accessKey as string,
    audience: `${conn.audienceBase}${path.slice(1)}`,
    ttlSeconds: 60,
  });
  const r = await fetch(`${signalrEndpoint}${path}?api-version=2022-06-01`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return r.status;
}

/** Picks a file through the composer's 📎 like a user: the browser's file chooser, then the file. */
export async function attachFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('label.attach').click()]);
  await chooser.setFiles(file);
}

/** A page with OpenGraph tags and a cover image on 127.0.0.1, for the link-preview job to read: `${url}/article`. */
export async function startArticleServer(): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const cover = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#2f6f4f' } })
    .png()
    .toBuffer();
  let port = 0;
  const article = () => `<!doctype html><html><head>
<meta property="og:title" content="Trails of the Vosges">
<meta property="og:description" content="Five walks for a weekend, with maps.">
<meta property="og:site_name" content="Walks Weekly">
<meta property="og:image" content="http://127.0.0.1:${port}/cover.png">
<title>ignored</title></head><body>walks</body></html>`;
  const server: Server = createServer((req, res) => {
    if (req.url === '/article') return void res.writeHead(200, { 'content-type': 'text/html' }).end(article());
    if (req.url === '/cover.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(cover);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
