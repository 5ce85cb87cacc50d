import { LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { closeConnectionsOf } from '../../test/support/signalr-rest.js';
import { type ChatApi, createChatApi, devToken } from '../src/client/http.js';
import { createRealtime } from '../src/client/realtime.js';
import { type Messaging, useMessaging } from '../src/composables/useMessaging.js';

/**
 * The composable against the whole local stack, in Node: the real HTTP API, the SignalR emulator and the real
 * @microsoft/signalr client. Faults are injected at the edge (a send that fails, negotiate refused), never mocked.
 */
describe('useMessaging', () => {
  let stack: LocalStack;
  const stops: (() => Promise<void>)[] = [];
  const run = `${process.pid}${Date.now().toString(36)}`;
  let n = 0;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, signalrPort: 0, store: 'memory', quiet: true });
  });
  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await stack?.stop();
  });

  interface Client {
    m: Messaging;
    api: ChatApi;
    me: string;
    /** While true, negotiate fails (the token factory throws): the client stays disconnected. */
    offline: { value: boolean };
  }

  async function client(name: string, wrap: (api: ChatApi) => ChatApi = (a) => a, userId?: string): Promise<Client> {
    const me = userId ?? `${name}-${run}-${++n}`;
    const token = await devToken(stack.baseUrl, me);
    const offline = { value: false };
    const api = wrap(createChatApi({ baseUrl: stack.baseUrl, token: () => token }));
    const late: { m?: Messaging } = {};
    const realtime = createRealtime({
      baseUrl: stack.baseUrl,
      token: () => {
        if (offline.value) throw new Error('offline');
        return token;
      },
      onStatus: (s) => {
        if (late.m) late.m.status.value = s;
      },
      onReconnected: () => void late.m?.resync(),
      // why: negotiate refused on purpose would print errors
      logLevel: LogLevel.None,
    });
    const m = useMessaging({ me, api, realtime, draftDelayMs: 50 });
    late.m = m;
    await realtime.start();
    m.status.value = 'connected';
    stops.push(() => realtime.stop());
    return { m, api, me, offline };
  }

  const until = async (what: () => boolean, label: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  async function direct(a: Client, b: Client): Promise<string> {
    const id = await a.m.createConversation({ type: 'direct', participants: [b.me] });
    await Promise.all([a.m.open(id), b.m.loadInbox()]);
    return id;
  }

  it('shows a sent message at once as "sending", and replaces it with the stored one (matched by clientMessageId)', async () => {
    const [a, b] = await Promise.all([client('ann'), client('ben')]);
    const id = await direct(a, b);
    await b.m.open(id);
    const sending = a.m.send(id, { content: 'hello' });
    // synchronously, before the server answered
    const t = a.m.thread(id);
    expect(t.pending).toHaveLength(1);
    expect(t.pending[0]).toMatchObject({ content: 'hello', status: 'sending' });
    const cid = t.pending[0]?.clientMessageId;
    await sending;
    expect(t.pending).toHaveLength(0);
    expect(t.messages.map((m) => [m.seq, m.content, m.clientMessageId])).toEqual([[1, 'hello', cid]]);
    // the other side gets it live once, and its inbox moves
    await until(() => b.m.thread(id).messages.length === 1, 'ben to receive it');
    expect(b.m.thread(id).messages[0]?.clientMessageId).toBe(cid);
    // ben had it open: it is read, and ann sees that
    await until(() => (a.m.thread(id).readUpTo[b.me] ?? 0) >= 1, 'the read receipt');
  });

  it('a failed send stays on screen as "failed"; retry sends it with the same clientMessageId, stored once', async () => {
    let lostAnswers = 0;
    const flaky = (api: ChatApi): ChatApi => ({
      ...api,
      // why: the answer is lost after the server stored the message (the worst case for a retry)
      sendMessage: async (input) => {
        const r = await api.sendMessage(input);
        if (lostAnswers-- > 0) throw new Error('network error');
        return r;
      },
    });
    const [a, b] = await Promise.all([client('amy', flaky), client('bo')]);
    const id = await direct(a, b);
    // the hub is down for amy, so the send goes over HTTP, whose answer is lost
    a.offline.value = true;
    expect(await closeConnectionsOf(stack.signalrEndpoint, a.me)).toBeLessThan(300);
    await until(() => a.m.status.value === 'reconnecting', 'amy to lose her connection');
    lostAnswers = 1;
    await a.m.send(id, { content: 'are you there?' });
    const t = a.m.thread(id);
    expect(t.pending).toHaveLength(1);
    expect(t.pending[0]).toMatchObject({ status: 'failed', error: 'network error' });
    const cid = t.pending[0]?.clientMessageId as string;
    await a.m.retry(id, cid);
    expect(t.pending).toHaveLength(0);
    expect(t.messages.map((m) => m.clientMessageId)).toEqual([cid]);
    const history = await b.api.listMessages(id, { after: 0 });
    expect(history.messages.map((m) => [m.seq, m.clientMessageId])).toEqual([[1, cid]]);
    a.offline.value = false;
  });

  it('after the server drops the connection, the thread catches up with no gap and no duplicate', async () => {
    const [a, b] = await Promise.all([client('cat'), client('dan')]);
    const id = await direct(a, b);
    await b.m.open(id);
    await a.m.send(id, { content: 'before' });
    await until(() => b.m.thread(id).messages.length === 1, 'dan to receive the first message');

    b.offline.value = true;
    expect(await closeConnectionsOf(stack.signalrEndpoint, b.me)).toBeLessThan(300);
    await until(() => b.m.status.value === 'reconnecting', 'the reconnecting status');
    for (const text of ['one', 'two', 'three']) await a.m.send(id, { content: text });
    expect(b.m.thread(id).messages.map((m) => m.seq)).toEqual([1]);

    b.offline.value = false;
    await until(() => b.m.status.value === 'connected', 'the reconnect', 20_000);
    await until(() => b.m.thread(id).messages.length === 4, 'the catch-up');
    await a.m.send(id, { content: 'live again' });
    await until(() => b.m.thread(id).messages.length === 5, 'a live message after the reconnect');
    const t = b.m.thread(id);
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(t.messages.map((m) => m.content)).toEqual(['before', 'one', 'two', 'three', 'live again']);
    expect(t.top).toBe(5);
    // the inbox caught up too: the open conversation was read up to its newest message
    await until(() => b.m.inbox.value.find((c) => c.conversationId === id)?.unreadCount === 0, 'the inbox');
  }, 30_000);

  it('a live message beyond a gap triggers a catch-up instead of leaving the gap', async () => {
    const [a, b] = await Promise.all([client('eve'), client('fay')]);
    const id = await direct(a, b);
    await b.m.open(id);
    // two messages fay never hears of live (sent while her thread believed it knew up to 0)
    for (const text of ['x', 'y'])
      await a.api.sendMessage({ conversationId: id, content: text, clientMessageId: `${text}-${run}` });
    const t = b.m.thread(id);
    await until(() => t.messages.length === 2, 'the live events');
    // forget them locally, as if the events had been lost, then one more arrives live
    t.messages.splice(0);
    t.top = 0;
    await a.m.send(id, { content: 'z' });
    await until(() => t.messages.length === 3, 'the catch-up of the gap');
    expect(t.messages.map((m) => m.content)).toEqual(['x', 'y', 'z']);
    expect(t.top).toBe(3);
  });

  it('opens on the newest page and loads older history on demand, in seq order', async () => {
    const a = await client('ida');
    const jo = `jo-${run}`;
    const id = await a.m.createConversation({ type: 'direct', participants: [jo] });
    for (let i = 1; i <= 55; i++)
      await a.api.sendMessage({ conversationId: id, content: `m${i}`, clientMessageId: `m${i}-${run}` });
    // jo signs in afterwards: nothing reached him live
    const b = await client('jo', undefined, jo);
    await b.m.open(id);
    const t = b.m.thread(id);
    expect(t.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 6));
    expect(t.hasOlder).toBe(true);
    await b.m.loadOlder(id);
    expect(t.messages.map((m) => m.seq)).toEqual(Array.from({ length: 55 }, (_, i) => i + 1));
    expect(t.hasOlder).toBe(false);
    // opening it read everything up to 55
    await until(() => (a.m.thread(id).readUpTo[b.me] ?? 0) === 55, 'the read receipt');
  }, 30_000);

  it('keeps drafts on the server, restores them in a new session, and clears them on send', async () => {
    const [a, b] = await Promise.all([client('gus'), client('hal')]);
    const id = await direct(a, b);
    a.m.setDraft(id, 'half a thought');
    await until(() => false, 'the save delay', 400).catch(() => undefined);
    // another tab or device of the same user
    const again = await client('gus', undefined, a.me);
    await again.m.open(id);
    expect(again.m.drafts[id]?.content).toBe('half a thought');
    await again.m.send(id, { content: 'the whole thought' });
    expect(again.m.drafts[id]?.content).toBe('');
    await until(() => false, 'the delete', 300).catch(() => undefined);
    expect((await a.api.getDraft(id)).draft).toBeNull();
  });
});
