import * as signalR from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, type TestClient } from '../support/hub.js';

const EXAMPLE = 'my card is 4111 1111 1111 1111 and the password: hunter2';
const MASKED = 'my card is •••• 1111 and the password: ••••••••';

/** The example end to end on the local stack (embedded Cosmos: wrapped keys and sealed text stored there). */
describe('content pipeline over HTTP and the hubs (cosmos)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];
  const listo: signalR.HubConnection[] = [];
  const run = `${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, signalrPort: 0, store: 'cosmos', quiet: true });
    api = apiClient(stack.baseUrl);
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    for (const c of listo) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  it('when a card number and a password are sent by HTTP, the native hub and the listo hub, then every dialect stores, pushes and lists them masked and only participants reveal them', async () => {
    const [alice, bob, mallory] = [`alice-${run}`, `bob-${run}`, `mallory-${run}`];
    const [ta, tb, tm] = await Promise.all([api.token(alice), api.token(bob), api.token(mallory)]);
    const created = await api.call('POST', `${M}/conversations`, {
      token: ta,
      body: { type: 'group', participants: [bob], title: 'pay' },
    });
    const id = created.body.conversationId as string;
    const b = await connectClient(stack.baseUrl, tb);
    const a = await connectClient(stack.baseUrl, ta);
    clients.push(a, b);

    // HTTP
    const sent = await api.call('POST', `${M}/conversations/${id}/messages`, { token: ta, body: { content: EXAMPLE } });
    expect(sent.status).toBe(201);
    expect(sent.body.message).toMatchObject({ content: MASKED, isEncrypted: true, redactions: ['card', 'secret'] });
    const pushed = await b.next('OnMessageReceived', (m) => m.id === sent.body.message.id);
    expect(pushed.content).toBe(MASKED);
    // native hub
    const viaHub = await a.conn.invoke('SendMessage', { conversationId: id, content: `again ${EXAMPLE}` });
    expect((await b.next('OnMessageReceived', (m) => m.id === viaHub.id)).content).toBe(`again ${MASKED}`);
    // listo hub (seed 000's positional SendMessage): body masked, isEncrypted in the DTO
    const conn = new signalR.HubConnectionBuilder()
      .withUrl(`${stack.baseUrl}/hubs/messaging`, { accessTokenFactory: () => ta })
      .configureLogging(signalR.LogLevel.None)
      .build();
    listo.push(conn);
    await conn.start();
    const dto = await conn.invoke('SendMessage', id, `listo ${EXAMPLE}`, null);
    expect(dto).toMatchObject({ body: `listo ${MASKED}`, isEncrypted: true });

    // listed, previewed and searched masked
    const page = await api.call('GET', `${M}/conversations/${id}/messages`, { token: tb });
    expect(page.body.messages.map((m: { content: string }) => m.content)).toEqual([
      MASKED,
      `again ${MASKED}`,
      `listo ${MASKED}`,
    ]);
    const inbox = await api.call('GET', `${M}/conversations`, { token: tb });
    const search = await api.call('GET', `${M}/messages/search?query=hunter2`, { token: tb });
    for (const body of [page.body, inbox.body, search.body]) expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(search.body.results).toEqual([]);
    for (const e of [...a.events, ...b.events]) expect(JSON.stringify(e)).not.toContain('hunter2');

    // reveal: participants only
    const one = `${M}/conversations/${id}/messages/${sent.body.message.id}`;
    const revealed = await api.call('GET', `${one}?reveal=true`, { token: tb });
    expect(revealed.status).toBe(200);
    expect(revealed.body.message).toMatchObject({ content: EXAMPLE, revealed: true });
    expect((await api.call('GET', one, { token: tb })).body.message.content).toBe(MASKED);
    expect((await api.call('GET', `${one}?reveal=true`, { token: tm })).status).toBe(404);
    expect((await api.call('GET', `${one}?reveal=maybe`, { token: tb })).status).toBe(400);

    // an edit runs the pipeline too, and its update is pushed masked
    const edited = await api.call('PUT', one, { token: ta, body: { content: 'ssn 123-45-6789, what the fuck' } });
    expect(edited.body.message).toMatchObject({
      content: 'ssn •••-••-6789, what the f***',
      isEncrypted: true,
      moderation: { flagged: true, reasons: ['profanity'] },
    });
    const update = await b.next('OnMessageUpdated', (u) => u.messageId === sent.body.message.id);
    expect(update.message.content).toBe('ssn •••-••-6789, what the f***');
    expect((await api.call('GET', `${one}?reveal=true`, { token: tb })).body.message.content).toBe(
      'ssn 123-45-6789, what the f***',
    );
  }, 60_000);
});
