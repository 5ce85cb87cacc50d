import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../shared/domain/notification.js';
import type { NotificationStore } from '../../shared/ports/notifications.js';
import { uniq } from './store.contract.js';

export interface NotificationsUnderTest {
  notifications: NotificationStore;
  cleanup(): Promise<void>;
}

/** Inside the retention of the memory store's clock (NOTIFICATIONS_CLOCK). */
const at = (day: number, hour = 0): string => new Date(Date.UTC(2024, 0, day, hour)).toISOString();

/** "Now" for adapters that judge retention by the clock: a few days after the notifications below. */
export const NOTIFICATIONS_CLOCK = Date.parse('2024-01-20T00:00:00.000Z');

export function notificationOf(userId: string, id: string, over: Partial<Notification> = {}): Notification {
  return {
    id,
    userId,
    kind: 'mention',
    title: 'You were mentioned',
    body: 'hey @you',
    data: { conversationId: 'c1', seq: 3, nested: { list: [1, 2] } },
    channel: null,
    createdAt: at(1),
    acknowledgedAt: null,
    readAt: null,
    ...over,
  };
}

const ids = (list: Notification[]): string[] => list.map((n) => n.id);

/** The NotificationStore contract: every adapter must pass exactly these assertions. */
export function runNotificationContract(name: string, make: () => Promise<NotificationsUnderTest>): void {
  describe(`NotificationStore contract: ${name}`, () => {
    let subject: NotificationsUnderTest;
    let store: NotificationStore;

    beforeAll(async () => {
      subject = await make();
      store = subject.notifications;
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    it('when notifications are added, then they read back equal, newest first, capped at the limit', async () => {
      const user = uniq('u');
      const added = [
        notificationOf(user, 'n2', { createdAt: at(2) }),
        notificationOf(user, 'n1', { createdAt: at(1) }),
        notificationOf(user, 'n4', { createdAt: at(4), channel: 'rides', kind: 'system' }),
        notificationOf(user, 'n3', { createdAt: at(3), readAt: at(5) }),
      ];
      await store.add(added);
      const all = await store.list(user, { unreadOnly: false, limit: 50 });
      expect(ids(all)).toEqual(['n4', 'n3', 'n2', 'n1']);
      expect(all[0]).toEqual(added[2]);
      expect(all[1]).toEqual(added[3]);
      expect(ids(await store.list(user, { unreadOnly: false, limit: 2 }))).toEqual(['n4', 'n3']);
      expect(ids(await store.list(user, { unreadOnly: false, limit: 1 }))).toEqual(['n4']);
    });

    it('when only unread ones are asked for, then read ones are left out, still newest first and capped', async () => {
      const user = uniq('u');
      await store.add([
        notificationOf(user, 'a', { createdAt: at(1) }),
        notificationOf(user, 'b', { createdAt: at(2), readAt: at(3) }),
        notificationOf(user, 'c', { createdAt: at(3) }),
        notificationOf(user, 'd', { createdAt: at(4) }),
      ]);
      expect(ids(await store.list(user, { unreadOnly: true, limit: 50 }))).toEqual(['d', 'c', 'a']);
      expect(ids(await store.list(user, { unreadOnly: true, limit: 2 }))).toEqual(['d', 'c']);
      expect(ids(await store.list(user, { unreadOnly: false, limit: 50 }))).toEqual(['d', 'c', 'b', 'a']);
    });

    it('when a notification is updated, then the change is stored and listed; it keeps its id and user', async () => {
      const user = uniq('u');
      await store.add([notificationOf(user, 'n1'), notificationOf(user, 'n2', { createdAt: at(2) })]);
      const updated = await store.update(user, 'n1', (n) => ({ ...n, readAt: at(6), id: 'other', userId: 'mallory' }));
      expect(updated).toEqual(notificationOf(user, 'n1', { readAt: at(6) }));
      expect(ids(await store.list(user, { unreadOnly: true, limit: 50 }))).toEqual(['n2']);
      expect((await store.list(user, { unreadOnly: false, limit: 50 }))[1]).toEqual(updated);
      expect(await store.list('mallory', { unreadOnly: false, limit: 50 })).toEqual([]);
    });

    it('when the mutation returns null or changes only its argument, then the notification stays as it was', async () => {
      const user = uniq('u');
      await store.add([notificationOf(user, 'n1')]);
      const result = await store.update(user, 'n1', (n) => {
        n.readAt = at(7);
        n.data.changed = true;
        return null;
      });
      expect(result).toEqual(notificationOf(user, 'n1'));
      expect(await store.list(user, { unreadOnly: false, limit: 50 })).toEqual([notificationOf(user, 'n1')]);
    });

    it('when a missing notification is updated, then the answer is null and nothing is called into existence', async () => {
      const user = uniq('u');
      let called = false;
      const result = await store.update(user, 'nope', (n) => {
        called = true;
        return { ...n, readAt: at(2) };
      });
      expect(result).toBeNull();
      expect(called).toBe(false);
      expect(await store.list(user, { unreadOnly: false, limit: 50 })).toEqual([]);
    });

    it('when two users have notifications (even with the same id), then each sees and updates only their own', async () => {
      const [alice, bob] = [uniq('alice'), uniq('bob')];
      await store.add([
        notificationOf(alice, 'same', { title: 'for alice' }),
        notificationOf(bob, 'same', { title: 'for bob' }),
        notificationOf(alice, 'only-alice', { createdAt: at(2) }),
      ]);
      expect(ids(await store.list(bob, { unreadOnly: false, limit: 50 }))).toEqual(['same']);
      expect(await store.update(bob, 'only-alice', (n) => ({ ...n, readAt: at(3) }))).toBeNull();
      const bobs = await store.update(bob, 'same', (n) => ({ ...n, readAt: at(3) }));
      expect(bobs).toMatchObject({ userId: bob, title: 'for bob', readAt: at(3) });
      const alices = await store.list(alice, { unreadOnly: false, limit: 50 });
      expect(alices).toEqual([
        notificationOf(alice, 'only-alice', { createdAt: at(2) }),
        notificationOf(alice, 'same', { title: 'for alice' }),
      ]);
    });

    it('when 20 updates of one notification run at once, then none is lost', async () => {
      const user = uniq('u');
      await store.add([notificationOf(user, 'n1', { data: {} })]);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.update(user, 'n1', (n) => ({ ...n, data: { ...n.data, [`k${i}`]: i } })),
        ),
      );
      const [stored] = await store.list(user, { unreadOnly: false, limit: 1 });
      expect(stored?.data).toEqual(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])));
    });

    it('when a listed notification is changed by the caller, then the stored one is not', async () => {
      const user = uniq('u');
      await store.add([notificationOf(user, 'n1')]);
      const [listed] = await store.list(user, { unreadOnly: false, limit: 1 });
      listed!.title = 'changed';
      (listed!.data.nested as { list: number[] }).list.push(3);
      expect(await store.list(user, { unreadOnly: false, limit: 1 })).toEqual([notificationOf(user, 'n1')]);
    });
  });
}
