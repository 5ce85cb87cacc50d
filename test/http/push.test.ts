import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/** Devices, push preferences and the dev push outbox through the local host (the local broker and its queue triggers run the consumers). */
describe('push notifications over HTTP', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      env: { LOG_LEVEL: 'error', PUSH_GRACE_SECONDS: '0' },
    });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => stack?.stop());

  it('when a device is registered and a message arrives while offline, then the dev outbox shows the push; preferences hide the text; a removed device is gone', async () => {
    const [alice, bob] = [await api.token('push-alice'), await api.token('push-bob')];
    const device = await api.call('POST', `${M}/devices`, {
      token: bob,
      body: { platform: 'fcm', token: 'fcm-token-1' },
    });
    expect(device.status).toBe(201);
    expect(device.body).toMatchObject({ platform: 'fcm', deviceId: expect.any(String) });
    const prefs = await api.call('PUT', `${M}/preferences`, { token: bob, body: { privatePreviews: true } });
    expect(prefs.body).toEqual({ preferences: { privatePreviews: true, pushEnabled: true, language: null } });

    const c = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'direct', participants: ['push-bob'] },
    });
    const id = c.body.conversationId as string;
    await api.call('POST', `${M}/conversations/${id}/messages`, { token: alice, body: { content: 'secret text' } });
    let notifications: Record<string, unknown>[] = [];
    for (let i = 0; i < 100 && notifications.length === 0; i++) {
      notifications = (await api.call('GET', 'dev/push-outbox?userId=push-bob')).body.notifications;
      if (notifications.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(notifications).toEqual([
      {
        userId: 'push-bob',
        conversationId: id,
        messageId: `${id}.1`,
        seq: 1,
        title: 'push-alice',
        body: 'New message',
        badge: 1,
        collapseKey: `conversation:${id}`,
        platform: 'fcm',
      },
    ]);
    expect((await api.call('GET', 'dev/push-outbox?userId=push-alice')).body).toEqual({ notifications: [] });

    expect((await api.call('DELETE', `${M}/devices/${device.body.deviceId}`, { token: bob })).status).toBe(204);
    expectProblem(await api.call('DELETE', `${M}/devices/${device.body.deviceId}`, { token: bob }), 404);
  });

  it('when a member is mentioned, then the message-events consumer (a queue trigger on the local broker) notifies them live on the notifications hub; a muted member gets nothing', async () => {
    const [alice, bob, carol] = [await api.token('m-alice'), await api.token('m-bob'), await api.token('m-carol')];
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'group', participants: ['m-bob', 'm-carol'], title: 'mentions' },
    });
    const id = c.body.conversationId as string;
    const mute = await api.call('POST', `${M}/conversations/${id}/mute`, { token: carol, body: { muted: true } });
    expect(mute.status).toBe(200);
    const conn = new HubConnectionBuilder()
      .withUrl(`${stack.baseUrl}/api/notifications`, { accessTokenFactory: () => bob })
      .configureLogging(LogLevel.None)
      .build();
    const live = new Promise<Record<string, unknown>>((resolve) => conn.on('ReceiveNotification', resolve));
    await conn.start();
    try {
      const sent = await api.call('POST', `${M}/conversations/${id}/messages`, {
        token: alice,
        body: { content: 'hi @m-bob @m-carol', mentions: ['m-bob', 'm-carol'] },
      });
      expect(sent.status).toBe(201);
      const note = await Promise.race([
        live,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no live mention in 5 s')), 5000)),
      ]);
      expect(note).toMatchObject({ kind: 'mention', userId: 'm-bob', data: { conversationId: id, seq: 1 } });
      const carolsList = await api.call('GET', 'v1/notifications', { token: carol });
      expect(carolsList.body.notifications).toEqual([]);
    } finally {
      await conn.stop();
    }
  });

  it('when the input is bad or the caller has no token, then a problem answer, never a 5xx', async () => {
    const bob = await api.token('push-bob2');
    expectProblem(await api.call('POST', `${M}/devices`, { token: bob, body: { platform: 'pager', token: 'x' } }), 400);
    expectProblem(await api.call('PUT', `${M}/preferences`, { token: bob, body: {} }), 400);
    expectProblem(await api.call('POST', `${M}/devices`, { body: { platform: 'fcm', token: 'x' } }), 401);
    expectProblem(await api.call('GET', 'dev/push-outbox'), 400);
  });
});
