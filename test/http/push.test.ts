import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/** Devices, push preferences and the dev push outbox through the local host (placeholder queue runs the consumers). */
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
    expect(prefs.body).toEqual({ preferences: { privatePreviews: true, pushEnabled: true } });

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

  it('when the input is bad or the caller has no token, then a problem answer, never a 5xx', async () => {
    const bob = await api.token('push-bob2');
    expectProblem(await api.call('POST', `${M}/devices`, { token: bob, body: { platform: 'pager', token: 'x' } }), 400);
    expectProblem(await api.call('PUT', `${M}/preferences`, { token: bob, body: {} }), 400);
    expectProblem(await api.call('POST', `${M}/devices`, { body: { platform: 'fcm', token: 'x' } }), 401);
    expectProblem(await api.call('GET', 'dev/push-outbox'), 400);
  });
});
