import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';
import { startFakeTranslator } from '../support/fake-translator.js';
import { connectClient, type TestClient } from '../support/hub.js';

/*
 * The content pipeline after persisting, end to end on the local stack: HTTP send → message-events consumer →
 * link-previews / translations queues (the local broker) → their registered consumers → store patch and realtime
 * events to real @microsoft/signalr clients. The page server and the Translator are local (127.0.0.1).
 */

const OG = `<!doctype html><html><head><meta property="og:title" content="Local news">
<meta property="og:description" content="All about the pipeline"><meta property="og:image" content="/card.png">
<meta property="og:site_name" content="Local"><title>ignored</title></head><body></body></html>`;

describe('content pipeline on the local stack', () => {
  let stack: LocalStack;
  let pages: Server;
  let pagesPort = 0;
  let translator: Awaited<ReturnType<typeof startFakeTranslator>>;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    pages = createServer((req, res) => {
      if (req.url === '/article') return void res.writeHead(200, { 'content-type': 'text/html' }).end(OG);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
    pagesPort = (pages.address() as AddressInfo).port;
    translator = await startFakeTranslator();
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      queues: { serviceBus: { backoffMs: 30, onError: () => undefined } },
      env: {
        // the local page server is opened by name (an IP literal here: no DNS involved)
        LINK_PREVIEW_ALLOWED_HOSTS: `127.0.0.1:${pagesPort}`,
        TRANSLATOR_ENDPOINT: translator.endpoint,
        TRANSLATOR_KEY: translator.key,
        TRANSLATOR_REGION: 'westeurope',
      },
    });
    api = apiClient(stack.baseUrl);
    for (const u of ['cp-alice', 'cp-bob']) tokens[u] = await api.token(u);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await stack?.stop();
    await translator?.stop();
    await new Promise<void>((r) => pages.close(() => r()));
  });

  const group = async () => {
    const r = await api.call('POST', `${M}/conversations`, {
      token: tokens['cp-alice'],
      body: { type: 'group', title: 'content', participants: ['cp-bob'] },
    });
    expect(r.status).toBe(201);
    return r.body.conversationId as string;
  };

  it('when a message with a URL is sent, then its preview lands in metadata.linkPreviews and goes out as OnMessageUpdated', async () => {
    const id = await group();
    const bob = await connectClient(stack.baseUrl, tokens['cp-bob'] as string);
    clients.push(bob);
    const url = `http://127.0.0.1:${pagesPort}/article`;
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: tokens['cp-alice'],
      body: { content: `read this: ${url}.` },
    });
    expect(sent.status).toBe(201);
    const messageId = sent.body.message.id as string;
    const update = await bob.next('OnMessageUpdated', (p) => p.messageId === messageId, 10_000);
    const expected = {
      url,
      finalUrl: url,
      title: 'Local news',
      description: 'All about the pipeline',
      imageUrl: `http://127.0.0.1:${pagesPort}/card.png`,
      siteName: 'Local',
    };
    expect(update).toMatchObject({ conversationId: id, seq: 1, reason: 'linkPreviews' });
    expect(update.message.metadata).toEqual({ linkPreviews: [expected] });
    const read = await api.call('GET', `${M}/conversations/${id}/messages/${encodeURIComponent(messageId)}`, {
      token: tokens['cp-bob'],
    });
    expect(read.body.metadata ?? read.body.message?.metadata).toEqual({ linkPreviews: [expected] });
  });

  it('when a URL points at a private address that is not allowed, then no preview is made', async () => {
    const id = await group();
    const bob = await connectClient(stack.baseUrl, tokens['cp-bob'] as string);
    clients.push(bob);
    // the same server, but on a name that is not in the allow-list and a port other than 80/443
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: tokens['cp-alice'],
      body: { content: `http://127.0.0.2:${pagesPort}/article and http://169.254.169.254/latest/meta-data` },
    });
    const messageId = sent.body.message.id as string;
    await expect(bob.next('OnMessageUpdated', (p) => p.messageId === messageId, 1_500)).rejects.toThrow(
      /no OnMessageUpdated/,
    );
    const broker = stack.queues.broker;
    expect(broker?.peek('link-previews').length ?? 0).toBe(0);
  });

  it('when a participant translates a message over HTTP, then the answer has the text and the detected language', async () => {
    const id = await group();
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: tokens['cp-alice'],
      body: { content: 'hola a todos' },
    });
    const path = `${M}/conversations/${id}/messages/${encodeURIComponent(sent.body.message.id)}/translate`;
    const r = await api.call('POST', path, { token: tokens['cp-bob'], body: { targetLanguage: 'en' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ translatedContent: '[en] hola a todos', detectedLanguage: 'es', cached: false });
    expectProblem(
      await api.call('POST', path, { token: tokens['cp-bob'], body: { targetLanguage: 'not a language' } }),
      400,
    );
    expectProblem(await api.call('POST', path, { token: tokens['cp-bob'], body: { targetLanguage: 'xx' } }), 400);
    translator.failNext({ status: 429, retryAfter: '90' });
    const busy = await api.call('POST', path, { token: tokens['cp-bob'], body: { targetLanguage: 'fr' } });
    expectProblem(busy, 503, /throttling/);
    expect(busy.body.code).toBe('TRANSLATION.UNAVAILABLE');
    expect(busy.headers.get('retry-after')).toBe('90');
  });

  it('when a reader opted in with a language, then a new message reaches them as OnMessageTranslated through the translations queue', async () => {
    const id = await group();
    const bob = await connectClient(stack.baseUrl, tokens['cp-bob'] as string);
    clients.push(bob);
    const prefs = await api.call('PUT', `${M}/preferences`, { token: tokens['cp-bob'], body: { language: 'de' } });
    expect(prefs.body).toEqual({ preferences: { privatePreviews: false, pushEnabled: true, language: 'de' } });
    const opt = await api.call('POST', `${M}/conversations/${id}/auto-translate`, {
      token: tokens['cp-bob'],
      body: { enabled: true },
    });
    expect(opt.body).toEqual({ conversationId: id, enabled: true, language: 'de' });
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: tokens['cp-alice'],
      body: { content: 'good news everyone' },
    });
    const messageId = sent.body.message.id as string;
    const translated = await bob.next('OnMessageTranslated', (p) => p.messageId === messageId, 10_000);
    expect(translated).toEqual({
      conversationId: id,
      messageId,
      seq: 1,
      language: 'de',
      translatedContent: '[de] good news everyone',
      detectedLanguage: 'en',
    });
  });

  it('when the contracts are read, then OpenAPI has the new routes with response schemas and AsyncAPI has OnMessageTranslated', async () => {
    const openapi = (await api.call('GET', 'openapi.json')).body;
    const translate = openapi.paths['/api/v1/messaging/conversations/{conversationId}/messages/{messageId}/translate'];
    expect(translate?.post?.responses?.['200']?.content?.['application/json']?.schema).toBeDefined();
    const auto = openapi.paths['/api/v1/messaging/conversations/{conversationId}/auto-translate'];
    expect(auto?.post?.responses?.['200']?.content?.['application/json']?.schema).toBeDefined();
    const asyncapi = JSON.stringify((await api.call('GET', 'asyncapi.json')).body);
    expect(asyncapi).toContain('OnMessageTranslated');
    expect(asyncapi).toContain('linkPreviews');
  });
});

describe('translation without a Translator', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // why: the stack above wrote its settings into process.env; blank is unset
    const unset = {
      TRANSLATOR_ENDPOINT: '',
      TRANSLATOR_KEY: '',
      TRANSLATOR_REGION: '',
      LINK_PREVIEW_ALLOWED_HOSTS: '',
    };
    stack = await startLocalStack({ port: 0, signalrPort: 0, store: 'memory', quiet: true, env: unset });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('when no Translator is configured, then translate and opting in answer 503 TRANSLATION.NOT_CONFIGURED, never 404 or 500', async () => {
    const api = apiClient(stack.baseUrl);
    const alice = await api.token('nt-alice');
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'group', title: 't', participants: ['nt-bob'] },
    });
    const id = c.body.conversationId as string;
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, { token: alice, body: { content: 'hi' } });
    const r = await api.call(
      'POST',
      `${M}/conversations/${id}/messages/${encodeURIComponent(sent.body.message.id)}/translate`,
      { token: alice, body: { targetLanguage: 'de' } },
    );
    expectProblem(r, 503, /no Translator is configured/);
    expect(r.body.code).toBe('TRANSLATION.NOT_CONFIGURED');
    const opt = await api.call('POST', `${M}/conversations/${id}/auto-translate`, {
      token: alice,
      body: { enabled: true },
    });
    expectProblem(opt, 503);
    expect(opt.body.code).toBe('TRANSLATION.NOT_CONFIGURED');
  });
});
