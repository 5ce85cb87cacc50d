import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/**
 * Faults around a send: the SignalR Service down, Redis unreachable. Nothing accepted is lost; the sender hears the
 * truth. Each test breaks its own stack, so neither depends on the other having run (or not).
 */
describe('faults', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeEach(async () => {
    // why: port 1 refuses connections, so every Redis call fails
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      redisUrl: 'redis://127.0.0.1:1',
      quiet: true,
      env: { LOG_LEVEL: 'error' },
    });
    api = apiClient(stack.baseUrl);
  });
  afterEach(async () => stack?.stop());

  it('when Redis is unreachable, then sending, reading and typing still work (rate limits fail open) and answer in time', async () => {
    const [alice, bob] = [await api.token('alice'), await api.token('bob')];
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'direct', participants: ['bob'] },
    });
    expect(c.status).toBe(201);
    const started = Date.now();
    const sent = await api.call('POST', `${M}/conversations/${c.body.conversationId}/messages`, {
      token: alice,
      body: { content: 'redis is down', clientMessageId: 'r1' },
    });
    expect(sent.status).toBe(201);
    expect(
      (await api.call('POST', `${M}/typing/start`, { token: bob, body: { conversationId: c.body.conversationId } }))
        .status,
    ).toBe(200);
    expect(
      (await api.call('POST', `${M}/conversations/${c.body.conversationId}/read`, { token: bob, body: { seq: 1 } }))
        .body.lastReadSeq,
    ).toBe(1);
    expect(
      (
        await api.call('GET', `${M}/conversations/${c.body.conversationId}/messages/${sent.body.message.id}`, {
          token: alice,
        })
      ).body.status,
    ).toBe('read');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when the SignalR Service is down, then the send is stored once and answers a clear 503; a retry while its job is pending owes the same push (503 again, no second job); once the job ran a retry returns the first message (200) and every side effect happened exactly once', async () => {
    const [alice, carol] = [await api.token('alice'), await api.token('carol')];
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'direct', participants: ['carol'] },
    });
    expect(c.status).toBe(201);
    const device = await api.call('POST', `${M}/devices`, {
      token: carol,
      body: { platform: 'fcm', token: 'carol-fcm' },
    });
    expect(device.status).toBe(201);
    const broker = stack.queues.broker;
    if (!broker) throw new Error('the local stack runs the local broker');
    // why: with the consumers held, the message's job is deterministically still pending at the retry
    stack.queues.pauseTriggers();
    await stack.emulator.stop();
    const send = () =>
      api.call('POST', `${M}/conversations/${c.body.conversationId}/messages`, {
        token: alice,
        body: { content: 'still safe', clientMessageId: 'p1' },
      });
    // why: the runtime pushes to the two users itself (REST, audience groups) and says the service is unavailable
    const first = await send();
    expectProblem(first, 503, /saved but pushing it .* failed/);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(broker.peek('message-events')).toHaveLength(1);
    // pending (outbox marker set): the retry re-emits the push, which fails again; its job is the same message id,
    // which duplicate detection drops
    expectProblem(await send(), 503, /saved but pushing it .* failed/);
    expect(broker.peek('message-events')).toHaveLength(1);

    stack.queues.resumeTriggers();
    const end = Date.now() + 15_000;
    const drained = () =>
      broker.peek('message-events').length === 0 &&
      broker.peek('push-notifications').length === 0 &&
      broker.peek('message-events', { deadLetter: true }).length === 0;
    while (!drained()) {
      if (Date.now() > end) throw new Error('the message-events and push jobs did not run');
      await new Promise((r) => setTimeout(r, 25));
    }
    // the job ran and cleared the outbox marker: the retry returns the first message and pushes nothing
    const retry = await send();
    expect(retry.status).toBe(200);
    expect(retry.body.message).toMatchObject({ seq: 1, content: 'still safe', clientMessageId: 'p1' });

    const list = await api.call('GET', `${M}/conversations/${c.body.conversationId}/messages?after=0`, {
      token: alice,
    });
    expect(list.body.messages.map((m: { clientMessageId: string }) => m.clientMessageId)).toEqual(['p1']);
    // carol was offline: exactly one push for the message, though its job was offered twice
    const outbox = await api.call('GET', 'dev/push-outbox?userId=carol');
    expect(outbox.body.notifications).toHaveLength(1);
    expect(outbox.body.notifications[0]).toMatchObject({ seq: 1, badge: 1, platform: 'fcm' });
    expect(broker.peek('push-notifications', { deadLetter: true })).toEqual([]);
  });
});
