import { describe, expect, it } from 'vitest';
import { createConversation } from '../../shared/app/conversations.js';
import { sendMessage } from '../../shared/app/messages.js';
import {
  listNotifications,
  markNotification,
  sendNotification,
  subscribeChannel,
} from '../../shared/app/notifications.js';
import { AppError } from '../../shared/domain/errors.js';
import { memoryDeps } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

describe('notifications', () => {
  it('when someone is mentioned, then they get a stored notification delivered on the notifications hub', async () => {
    const t = memoryDeps();
    const { deps } = t;
    const { result } = await createConversation(
      deps,
      { userId: 'alice' },
      { type: 'group', participants: ['bob', 'carol'] },
    );
    await sendMessage(deps, { userId: 'alice' }, result.conversationId, {
      content: 'hey @bob',
      mentions: ['bob', 'alice'],
    });
    // mention notifications are made by the message-events consumer, off the send path
    const pushes = await runMessageEvents(t);
    const notification = pushes.find((p) => p.kind === 'event' && p.target === 'ReceiveNotification');
    expect(notification).toMatchObject({
      hub: 'notifications',
      to: { users: ['bob'] },
      payload: { kind: 'mention', data: { seq: 1 } },
    });
    expect(
      (await listNotifications(deps, { userId: 'bob' }, { unreadOnly: true, limit: 10 })).notifications,
    ).toHaveLength(1);
    expect(
      (await listNotifications(deps, { userId: 'alice' }, { unreadOnly: false, limit: 10 })).notifications,
    ).toHaveLength(0);
  });

  it('when a caller without the role sends, then it is forbidden; with it, users and channels are reached', async () => {
    const { deps } = memoryDeps();
    const err = await sendNotification(
      deps,
      { userId: 'x', roles: [] },
      { userIds: ['bob'], kind: 'system', title: 't', body: '' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).kind).toBe('forbidden');
    const toUsers = await sendNotification(
      deps,
      { userId: 'svc', roles: ['Notifications.Send'] },
      { userIds: ['bob', 'bob', 'carol'], kind: 'booking', title: 'Booking confirmed', body: '' },
    );
    expect(toUsers.result.delivered).toBe(2);
    const toChannel = await sendNotification(
      deps,
      { userId: 'svc', roles: ['Notifications.Send'] },
      { channel: 'rides', kind: 'system', title: 'Surge', body: '' },
    );
    expect(toChannel.pushes[0]).toMatchObject({ hub: 'notifications', to: { group: 'channel:rides' } });
  });

  it('when a notification is acknowledged and read, then each happens once and the other sessions are told', async () => {
    const { deps, advance } = memoryDeps();
    const { result } = await sendNotification(
      deps,
      { userId: 'svc', roles: ['Notifications.Send'] },
      { userIds: ['bob'], kind: 'system', title: 't', body: '' },
    );
    const id = result.notificationIds[0] as string;
    const ack = await markNotification(deps, { userId: 'bob' }, id, 'acknowledged');
    expect(ack.pushes[0]).toMatchObject({ target: 'NotificationAcknowledged', payload: { notificationId: id } });
    advance(1000);
    const read = await markNotification(deps, { userId: 'bob' }, id, 'read');
    expect(read.result.readAt).not.toBeNull();
    expect(read.result.acknowledgedAt).toBe(ack.result.acknowledgedAt);
    expect((await listNotifications(deps, { userId: 'bob' }, { unreadOnly: true, limit: 10 })).notifications).toEqual(
      [],
    );
    await expect(markNotification(deps, { userId: 'carol' }, id, 'read')).rejects.toThrow(/not found/);
    expect(
      (await subscribeChannel(deps, { userId: 'bob', connectionId: 'c1' }, 'rides', true)).pushes[0],
    ).toMatchObject({
      kind: 'group',
      hub: 'notifications',
      connectionId: 'c1',
      group: 'channel:rides',
    });
  });

  it('when 30 days pass, then notifications are gone', async () => {
    const { deps, advance } = memoryDeps();
    await sendNotification(
      deps,
      { userId: 'svc', roles: ['Notifications.Send'] },
      { userIds: ['bob'], kind: 'system', title: 't', body: '' },
    );
    advance(31 * 86_400_000);
    expect((await listNotifications(deps, { userId: 'bob' }, { unreadOnly: false, limit: 10 })).notifications).toEqual(
      [],
    );
  });
});
