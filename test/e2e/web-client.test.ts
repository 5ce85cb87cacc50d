import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { attachFile, closeConnectionsOf, launchChromium, startArticleServer } from '../support/browser.js';
import { landscapePng, risingToneWav } from '../support/media.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots of every run (gitignored); docs/web-client.png is a copy of one. */
const ARTIFACTS = `${ROOT}test-artifacts/web`;

/**
 * The reference web client (web/) in a real Chromium against the whole local stack: what a customer's app does,
 * through the public HTTP API and @microsoft/signalr only.
 */
describe('web client in a browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  let pages: Awaited<ReturnType<typeof startArticleServer>>;
  const contexts: BrowserContext[] = [];
  const api = () => apiClient(stack.baseUrl);
  const run = `${process.pid}${Date.now().toString(36)}`;
  // why: short (they show in the screenshots) yet unique per run: presence and rate limits may live in a shared Redis
  const tag = `${(process.pid % 1296).toString(36)}${Date.now().toString(36).slice(-3)}`;
  const user = (name: string) => `${name}.${tag}`;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    pages = await startArticleServer();
    [stack, browser] = await Promise.all([
      startLocalStack({
        port: 0,
        signalrPort: 0,
        store: 'memory',
        quiet: true,
        // why: attachments live on Blob Storage (Azurite here); without it the upload routes answer 503
        blobs: true,
        // why: the SSRF guard refuses loopback; the local page server is opened by name, as an intranet host would be
        env: { LINK_PREVIEW_ALLOWED_HOSTS: `127.0.0.1:${pages.port}` },
      }),
      launchChromium(),
    ]);
  }, 90_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
    await pages?.stop();
  });

  /** A signed-in page of its own browser context (own storage: two users side by side). */
  async function signIn(userId: string, viewport = { width: 1100, height: 720 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${userId}] page error: ${e.message}`));
    await page.goto(stack.baseUrl);
    await page.getByRole('textbox', { name: 'User id' }).fill(userId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('me').filter({ hasText: userId }).waitFor();
    return page;
  }

  const messages = (page: Page) => page.locator('[data-testid="message"] .content');
  const seqs = (page: Page) =>
    page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));

  /** Polls patiently: the machine may be busy with other suites. */
  const poll = <T>(fn: () => Promise<T> | T, timeout = 10_000) => expect.poll(fn, { timeout });

  /** Opens a conversation from the page's list and waits for its header to say `header` (title or subtitle). */
  async function openConversation(page: Page, id: string, header: string): Promise<void> {
    await page.locator(`[data-conversation-id="${id}"] .conv-open`).click();
    await page.locator('.chat-header').filter({ hasText: header }).waitFor();
  }

  const bubble = (page: Page, text: string) => page.locator('[data-testid="message"]').filter({ hasText: text });

  let conversationId = '';
  let alice: Page;
  let bob: Page;

  it('two users chat: create, presence, typing, unread badge, read ticks, seen-by, reply, reaction, edit, mention, status, phone width', async () => {
    const [a, b] = [user('alice'), user('bob')];
    [alice, bob] = await Promise.all([signIn(a), signIn(b)]);

    // alice starts a direct conversation from the UI
    await alice.getByTestId('new-conversation').click();
    await alice.getByTestId('new-participants').fill(b);
    await alice.getByTestId('create').click();
    await poll(() => alice.url()).toMatch(/#\/c\/dm_/);
    conversationId = decodeURIComponent(alice.url().split('#/c/')[1] ?? '');
    await alice.getByTestId('chat-title').filter({ hasText: b }).waitFor();

    // bob sees the new conversation appear (ConversationUpdated / OnParticipantsChanged → inbox)
    await bob.reload();
    const bobConv = bob.locator(`[data-conversation-id="${conversationId}"]`);
    await bobConv.waitFor();
    // presence: alice is online for bob (presence/get on load, UserOnline afterwards)
    await poll(() => bobConv.locator('[data-testid="presence-dot"]').getAttribute('class')).toContain('online');

    // typing reaches bob's list?  bob opens the conversation first so the typing line is on screen
    await bobConv.locator('.conv-open').click();
    await bob.getByTestId('chat-title').filter({ hasText: a }).waitFor();
    await alice.getByTestId('composer').pressSequentially('hello bo', { delay: 20 });
    await bob
      .getByTestId('typing')
      .filter({ hasText: `${a} is typing` })
      .waitFor();

    // bob leaves the conversation, so alice's message is unread for him
    await bob.evaluate("location.hash = ''");
    await poll(() => bob.url()).not.toContain('#/c/');
    await alice.getByTestId('composer').pressSequentially('b 👋', { delay: 10 });
    await alice.getByTestId('composer').press('Enter');
    await messages(alice).filter({ hasText: 'hello bob 👋' }).waitFor();
    await poll(() => alice.getByTestId('pending-message').count()).toBe(0);
    await poll(() => alice.getByTestId('tick').last().getAttribute('aria-label')).toMatch(/Sent|Delivered/);
    await poll(() => bobConv.getByTestId('unread-badge').textContent()).toContain('1');
    expect(await bob.title()).toBe('(1) Chat');
    await poll(() => bobConv.locator('.conv-preview').textContent()).toContain('hello bob 👋');

    // bob opens it: the message is read, alice's tick turns to "Read"
    await bobConv.locator('.conv-open').click();
    await messages(bob).filter({ hasText: 'hello bob 👋' }).waitFor();
    await poll(() => alice.getByTestId('tick').last().getAttribute('aria-label')).toBe('Read');
    await poll(() => bobConv.getByTestId('unread-badge').count()).toBe(0);

    // bob replies to it; alice sees the reply preview
    await bob.locator('[data-testid="message"]').last().hover();
    await bob.getByRole('button', { name: 'Reply', exact: true }).last().click();
    await bob.getByTestId('composer').fill('hi alice');
    await bob.getByTestId('composer').press('Enter');
    const reply = alice.locator('[data-testid="message"]').filter({ hasText: 'hi alice' });
    await reply.waitFor();
    await poll(() => reply.getByTestId('reply-preview').textContent()).toContain('hello bob');
    expect(await seqs(alice)).toEqual([1, 2]);

    // alice reacts to the reply; bob sees the count
    await reply.hover();
    await reply.getByRole('button', { name: 'React', exact: true }).click();
    await reply.getByRole('button', { name: 'React 👍' }).click();
    const bobReply = bob.locator('[data-testid="message"]').filter({ hasText: 'hi alice' });
    await bobReply.getByRole('button', { name: /^👍 1/ }).waitFor();

    // alice edits her first message (↑ on an empty composer); bob sees the new text marked edited
    await alice.getByTestId('composer').press('ArrowUp');
    await alice.getByTestId('composer-mode').filter({ hasText: 'Editing' }).waitFor();
    await alice.getByTestId('composer').fill('hello bob 👋 (how are you?)');
    await alice.getByTestId('composer').press('Enter');
    const edited = bob.locator('[data-testid="message"]').filter({ hasText: 'how are you?' });
    await edited.getByTestId('edited').waitFor();
    await alice.getByTestId('composer-mode').waitFor({ state: 'detached' });

    // @mention autocomplete: "@" and the first letters list bob; Enter picks him
    await alice.getByTestId('composer').pressSequentially('thanks @bo');
    await alice
      .getByTestId('mention-list')
      .getByRole('option', { name: `@${b}` })
      .waitFor();
    await alice.getByTestId('composer').press('Enter');
    expect(await alice.getByTestId('composer').inputValue()).toBe(`thanks @${b} `);
    await alice.getByTestId('composer').press('Enter');
    await messages(bob)
      .filter({ hasText: `thanks @${b}` })
      .waitFor();
    // set apart for bob, as a mention of him
    await messages(bob)
      .locator('strong.mention.me')
      .filter({ hasText: `@${b}` })
      .waitFor();

    // presence statuses: bob is busy, alice's list and header say so
    await bob.getByLabel('My status').selectOption('busy');
    const aliceConv = alice.locator(`[data-conversation-id="${conversationId}"]`);
    await poll(() => aliceConv.getByTestId('presence-dot').getAttribute('class')).toContain('busy');
    await poll(() => alice.getByTestId('chat-subtitle').textContent()).toContain('busy');

    await alice.getByTestId('participants-toggle').click();
    await alice.getByTestId('participants-panel').getByText('member').first().waitFor();
    await alice.screenshot({ path: `${ARTIFACTS}/chat-alice.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/chat-bob.png` });

    // at phone width one pane shows: the conversation, with a back button to the list
    await bob.setViewportSize({ width: 390, height: 844 });
    await bob.getByRole('button', { name: 'Back to conversations' }).waitFor();
    expect(await bob.getByRole('navigation', { name: 'Conversations' }).isVisible()).toBe(false);
    await bob.screenshot({ path: `${ARTIFACTS}/chat-bob-phone.png` });
    await bob.getByRole('button', { name: 'Back to conversations' }).click();
    await bob.getByRole('navigation', { name: 'Conversations' }).waitFor();
    await bob.setViewportSize({ width: 1100, height: 720 });
    await bobConv.locator('.conv-open').click();
    await bob.getByTestId('chat-title').filter({ hasText: a }).waitFor();
  }, 40_000);

  it('a page whose connection the server drops shows the banner, then catches up with no gap and no duplicate', async () => {
    expect(conversationId).not.toBe('');
    const b = user('bob');
    const tokenA = await api().token(user('alice'));
    // why: negotiate refused while the connection is down, so messages surely arrive in the gap (a real outage)
    await bob.route('**/api/negotiate*', (route) => route.abort());
    expect(await closeConnectionsOf(stack.signalrEndpoint, b)).toBeLessThan(300);
    await bob.getByTestId('connection-banner').filter({ hasText: 'reconnecting' }).waitFor();
    for (const text of ['gap one', 'gap two', 'gap three']) {
      const r = await api().call('POST', `${M}/conversations/${conversationId}/messages`, {
        token: tokenA,
        body: { content: text, clientMessageId: `${text.replace(' ', '-')}-${run}` },
      });
      expect(r.status).toBe(201);
    }
    await bob.screenshot({ path: `${ARTIFACTS}/reconnecting.png` });
    expect(await messages(bob).filter({ hasText: 'gap' }).count()).toBe(0);
    await bob.unroute('**/api/negotiate*');
    await bob.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await messages(bob).filter({ hasText: 'gap three' }).waitFor();
    expect(await seqs(bob)).toEqual([1, 2, 3, 4, 5, 6]);
    // and live events flow again on the new connection
    await alice.getByTestId('composer').fill('after the outage');
    await alice.getByTestId('composer').press('Enter');
    await messages(bob).filter({ hasText: 'after the outage' }).waitFor();
    expect(await seqs(bob)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }, 40_000);

  it('a user who is not a participant cannot open the conversation, even by its URL; a group with her opens, with roles', async () => {
    const carol = await signIn(user('carol'), { width: 390, height: 844 });
    await carol.goto(`${stack.baseUrl}/#/c/${encodeURIComponent(conversationId)}`);
    await carol.getByTestId('open-error').filter({ hasText: 'not one of its participants' }).waitFor();
    expect(await carol.locator('[data-testid="message"]').count()).toBe(0);
    expect(await carol.locator(`[data-conversation-id="${conversationId}"]`).count()).toBe(0);
    await carol.screenshot({ path: `${ARTIFACTS}/not-participant-phone.png` });

    // once alice makes a group with her, carol sees and opens it, with everyone's role
    await alice.getByTestId('new-conversation').click();
    await alice.getByRole('radio', { name: 'Group' }).check();
    await alice.getByTestId('new-participants').fill(`${user('bob')}, ${user('carol')}`);
    await alice.getByTestId('new-title').fill('Weekend walk');
    await alice.getByTestId('create').click();
    await alice.getByTestId('chat-title').filter({ hasText: 'Weekend walk' }).waitFor();
    await carol.getByRole('button', { name: 'Back to conversations' }).click();
    await carol.locator('.conv-open', { hasText: 'Weekend walk' }).click();
    await carol.getByTestId('chat-subtitle').filter({ hasText: '3 participants' }).waitFor();
    await carol.getByTestId('participants-toggle').click();
    const panel = carol.getByTestId('participants-panel');
    await poll(() => panel.locator(`[data-user-id="${user('alice')}"] .role`).textContent()).toBe('owner');
    expect(await panel.locator(`[data-user-id="${user('carol')}"] .role`).textContent()).toBe('member');
  }, 20_000);
  it('one uploads an image (with upload progress) and both see the thumbnail; a voice note shows its waveform and plays; one is recorded from the microphone', async () => {
    await openConversation(alice, conversationId, user('bob'));
    await bob
      .getByTestId('chat-title')
      .filter({ hasText: user('alice') })
      .waitFor();
    const thumbReads: Record<string, string[]> = { alice: [], bob: [] };
    for (const [name, page] of [
      ['alice', alice],
      ['bob', bob],
    ] as const)
      page.on('request', (r) => {
        if (/\/api\/v1\/messaging\/attachments\/[^/?]+\?variant=thumb/.test(r.url())) thumbReads[name]?.push(r.url());
      });

    // a real 900×600 PNG (a drawn landscape with film grain), made by sharp
    const photo = await landscapePng(900, 600);
    // why: uploads are throttled (DevTools network emulation) to ~3 s, so the progress bar is surely seen part way
    const cdp = await alice.context().newCDPSession(alice);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: Math.round(photo.length / 3),
    });
    // every value the progress bar shows, sampled in the page while the upload runs
    await alice.evaluate(`(() => {
      window.__progress = [];
      setInterval(() => {
        const p = document.querySelector('progress[aria-label="Upload progress"]');
        if (p) window.__progress.push(p.value);
      }, 15);
    })()`);
    await alice.getByTestId('composer').fill('the view from the top');
    await attachFile(alice, { name: 'summit.png', mimeType: 'image/png', buffer: photo });
    await alice.getByTestId('pending-message').getByRole('progressbar', { name: 'Upload progress' }).waitFor();
    await alice.screenshot({ path: `${ARTIFACTS}/uploading.png` });

    for (const page of [alice, bob]) {
      const img = bubble(page, 'the view from the top').getByTestId('thumbnail');
      await img.waitFor({ timeout: 30_000 });
      // it really loads: the thumb variant (≤ 400 px wide) through the API's short-lived read URL
      await poll(
        () => img.evaluate((e) => (e as { complete: boolean; naturalWidth: number }).naturalWidth),
        15_000,
      ).toBe(400);
    }
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const seen = await alice.evaluate<number[]>('window.__progress');
    expect(
      seen.some((v) => v > 0 && v < 1),
      `progress values seen: ${seen.slice(0, 20).join(', ')}`,
    ).toBe(true);
    expect(thumbReads.alice?.length).toBeGreaterThan(0);
    expect(thumbReads.bob?.length).toBeGreaterThan(0);
    await poll(() => alice.getByTestId('pending-message').count()).toBe(0);

    // a voice note (a WAV tone that grows louder): bob sees its 64-point waveform, rising, and plays it
    await attachFile(alice, { name: 'note.wav', mimeType: 'audio/wav', buffer: risingToneWav(2) });
    const voice = bob.getByTestId('voice-note').last();
    await voice.waitFor({ timeout: 30_000 });
    const heights = await voice
      .locator('.bar')
      .evaluateAll((els) => els.map((e) => Number.parseFloat((e as { style: { height: string } }).style.height)));
    expect(heights).toHaveLength(64);
    expect(heights[63]).toBeGreaterThan(heights[2] ?? 100);
    await poll(() => voice.textContent()).toContain('0:02');
    await voice.getByRole('button', { name: 'Play voice message' }).click();
    await poll(() =>
      voice.locator('audio').evaluate((e) => (e as { currentTime: number; error: unknown }).currentTime),
    ).toBeGreaterThan(0);
    await bob.screenshot({ path: `${ARTIFACTS}/attachments-bob.png` });

    // bob records one from the microphone (Chromium's fake device): MediaRecorder's file, measured by the server
    await bob.context().grantPermissions(['microphone'], { origin: stack.baseUrl });
    const notes = alice.getByTestId('voice-note');
    const before = await notes.count();
    await bob.getByRole('button', { name: 'Record a voice message' }).click();
    await bob.getByRole('button', { name: 'Stop recording and send' }).waitFor();
    // why: a recording has a length; this wait is what is recorded, not a wait for the app
    await bob.waitForTimeout(1500);
    await bob.getByRole('button', { name: 'Stop recording and send' }).click();
    await poll(() => notes.count(), 30_000).toBe(before + 1);
    const recorded = notes.last();
    await poll(() => recorded.locator('.bar').count()).toBe(64);
    await poll(() => recorded.textContent()).toMatch(/0:0[1-3]/);
  }, 90_000);

  it('link previews appear, sensitive content is masked until revealed, and a booking conversation offers suggested responses', async () => {
    // a link: the link-previews job reads the page's OpenGraph tags; both pages show the card (OnMessageUpdated)
    await alice.getByTestId('composer').fill(`five walks: ${pages.url}/article`);
    await alice.getByTestId('composer').press('Enter');
    for (const page of [alice, bob])
      await bubble(page, 'five walks')
        .getByTestId('link-preview')
        .filter({ hasText: 'Trails of the Vosges' })
        .waitFor({ timeout: 20_000 });
    expect(await bubble(bob, 'five walks').getByTestId('link-preview').textContent()).toContain('Walks Weekly');

    // a card number: stored and shown masked; bob reveals the clear text (GET …?reveal=true)
    await alice.getByTestId('composer').fill('pay with 4111 1111 1111 1111 please');
    await alice.getByTestId('composer').press('Enter');
    const masked = bubble(bob, 'pay with').getByTestId('masked');
    await masked.waitFor();
    expect(await masked.textContent()).toContain('•••• 1111');
    expect(await masked.textContent()).not.toContain('4111 1111');
    await masked.getByRole('button', { name: 'Reveal' }).click();
    await poll(() => bubble(bob, 'pay with').getByTestId('revealed').textContent()).toContain(
      'pay with 4111 1111 1111 1111 please',
    );
    await bob.screenshot({ path: `${ARTIFACTS}/preview-and-reveal.png` });
    // the whole conversation at once (docs/web-client.png is this one)
    await bob.setViewportSize({ width: 1100, height: 1400 });
    await bob.getByTestId('participants-toggle').click();
    await bob.getByTestId('participants-panel').waitFor();
    await bob.screenshot({ path: `${ARTIFACTS}/conversation-bob.png` });
    await bob.getByTestId('participants-toggle').click();
    await bob.setViewportSize({ width: 1100, height: 720 });

    // a booking: the booking system's events make the conversation between alice (customer) and bob (provider)
    const manager = (
      await api().call('POST', 'dev/token', { body: { userId: `ops-${tag}`, roles: ['Templates.Manage'] } })
    ).body.token as string;
    const template = await api().call('POST', `${M}/templates`, {
      token: manager,
      body: {
        name: `grooming-${run}`,
        type: 'booking',
        initialMessage: 'Booking {bookingId}: {customerName} with {providerName}',
        suggestedResponses: ['On my way', 'Running 5 minutes late'],
        automationRules: [{ event: 'confirmed', message: '{providerName} confirmed for {date}' }],
      },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const bookingId = `walk-${tag}`;
    const event = await api().call('POST', 'dev/queues/booking-events', {
      body: {
        eventId: `ev-${run}`,
        type: 'confirmed',
        bookingId,
        customerId: user('alice'),
        providerId: user('bob'),
        occurredAt: new Date().toISOString(),
        templateId: template.body.id,
        data: { customerName: 'Alice', providerName: 'Bob', date: 'Saturday' },
      },
    });
    expect(event.status, JSON.stringify(event.body)).toBe(202);
    const booking = `bk_${bookingId}`;
    await bob.locator(`[data-conversation-id="${booking}"]`).waitFor({ timeout: 20_000 });
    await openConversation(bob, booking, `Booking ${bookingId}`);
    await bob.locator('.system-note').filter({ hasText: 'Bob confirmed for Saturday' }).waitFor();
    const chips = bob.getByRole('group', { name: 'Suggested responses' });
    await poll(() => chips.getByTestId('suggestion').allTextContents()).toEqual([
      'On my way',
      'Running 5 minutes late',
    ]);
    await bob.screenshot({ path: `${ARTIFACTS}/booking-bob.png` });
    await chips.getByRole('button', { name: 'On my way' }).click();
    await alice.locator(`[data-conversation-id="${booking}"]`).waitFor({ timeout: 20_000 });
    await openConversation(alice, booking, `Booking ${bookingId}`);
    await messages(alice).filter({ hasText: 'On my way' }).waitFor();
  }, 90_000);
});
