import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';

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

/** Picks a file through the composer's 📎 like a user: the browser's file chooser, then the file. */
export async function attachFile(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('label.attach').click()]);
  await chooser.setFiles(file);
}

/** A page with OpenGraph tags and a cover image on 127.0.0.1, for the link-preview job: `${url}/article[?any]`. */
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
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/article') return void res.writeHead(200, { 'content-type': 'text/html' }).end(article());
    if (path === '/cover.png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(cover);
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

/** Screenshots of every run (gitignored); docs/web-client.png is a copy of one. */
export const ARTIFACTS = `${ROOT}test-artifacts/web`;

/** Browser contexts of one test file, each a user of its own (own storage: users side by side), closed together. */
export function browserUsers(browser: () => Browser, baseUrl: () => string) {
  const contexts: BrowserContext[] = [];
  return {
    /** A signed-in page of a fresh context, through the sign-in form (dev auth). */
    async signIn(userId: string, viewport = { width: 1100, height: 720 }): Promise<Page> {
      const context = await browser().newContext({ viewport });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error(`[${userId}] page error: ${e.message}`));
      await page.goto(baseUrl());
      await page.getByRole('textbox', { name: 'User id' }).fill(userId);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('me').filter({ hasText: userId }).waitFor();
      return page;
    },
    async closeAll(): Promise<void> {
      for (const c of contexts) await c.close().catch(() => undefined);
    },
  };
}

/** The message texts of the open thread. */
export const messages = (page: Page) => page.locator('[data-testid="message"] .content');

/** The message bubbles of the open thread that hold `text`. */
export const bubble = (page: Page, text: string) => page.locator('[data-testid="message"]').filter({ hasText: text });

/** The seqs of the open thread, in screen order. */
export const seqs = (page: Page) =>
  page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));

/** Opens a conversation from the page's list and waits for its header to say `header` (title or subtitle). */
export async function openConversation(page: Page, id: string, header: string): Promise<void> {
  await page.locator(`[data-conversation-id="${id}"] .conv-open`).click();
  await page.locator('.chat-header').filter({ hasText: header }).waitFor();
}

/**
 * Short user names (they show in the screenshots) unique per run: presence and rate limits may live in a shared
 * Redis. `user('alice')` → `alice.k3f9a`.
 */
export function runTag(): { tag: string; user: (name: string) => string } {
  const tag = `${(process.pid % 1296).toString(36)}${Date.now().toString(36).slice(-3)}`;
  return { tag, user: (name: string) => `${name}.${tag}` };
}
