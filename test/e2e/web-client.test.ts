import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { ARTIFACTS, browserUsers, launchChromium, messages, runTag, seqs } from '../support/browser.js';
import { closeConnectionsOf } from '../support/signalr-rest.js';

/**
 * The reference web client (web/) in a real Chromium against the whole local stack: what a customer's app does,
 * through the public HTTP API and @microsoft/signalr only. Chat, reconnect and access here; attachments, link
 * previews, sensitive content, bookings, the list and the composer in web-client-features.test.ts.
 */
describe('web client in a browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  const users = browserUsers(
    () => browser,
    () => stack.baseUrl,
  );
  const signIn = (userId: string, viewport?: { width: number; height: number }) => users.signIn(userId, viewport);
  const api = () => apiClient(stack.baseUrl);
  const run = `${process.pid}${Date.now().toString(36)}`;
  const { user } = runTag();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([
      startLocalStack({ port: 0, signalrPort: 0, store: 'memory', quiet: true }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await users.closeAll();
    await browser?.close();
    await stack?.stop();
  });

  /** Polls patiently: the machine may be busy with other suites. */
  const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 10_000 });

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

  it('a page whose connection the server drops shows the banner, sends with a lost answer and retries it once, then catches up with no gap and no duplicate', async () => {
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

    // bob sends meanwhile (over HTTP: the hub is down) and the answer is lost after the server stored it
    const sends = (u: URL) => /\/conversations\/[^/]+\/messages$/.test(u.pathname);
    await bob.route(sends, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await bob.getByTestId('composer').fill('sorry, I was offline');
    await bob.getByTestId('composer').press('Enter');
    const failed = bob.getByTestId('pending-message').filter({ hasText: 'sorry, I was offline' });
    await failed.getByTestId('retry').waitFor();
    expect(await failed.getByRole('alert').textContent()).toContain('network error');
    await bob.screenshot({ path: `${ARTIFACTS}/not-sent.png` });
    // Retry sends it again with the same clientMessageId: the server answers the stored copy, it is not stored twice
    await bob.unroute(sends);
    await failed.getByTestId('retry').click();
    await messages(bob).filter({ hasText: 'sorry, I was offline' }).waitFor();
    await poll(() => bob.getByTestId('pending-message').count()).toBe(0);

    await bob.unroute('**/api/negotiate*');
    await bob.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await messages(bob).filter({ hasText: 'gap three' }).waitFor();
    await poll(() => seqs(bob)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await messages(bob).filter({ hasText: 'sorry, I was offline' }).count()).toBe(1);
    await messages(alice).filter({ hasText: 'sorry, I was offline' }).waitFor();
    expect(await messages(alice).filter({ hasText: 'sorry, I was offline' }).count()).toBe(1);
    // and live events flow again on the new connection
    await alice.getByTestId('composer').fill('after the outage');
    await alice.getByTestId('composer').press('Enter');
    await messages(bob).filter({ hasText: 'after the outage' }).waitFor();
    expect(await seqs(bob)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await seqs(alice)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
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
});
