import { NOTIFICATION_TTL_SECONDS, type Notification } from '../../domain/notification.js';
import { notificationOrder } from '../../domain/ordering.js';
import type { NotificationStore } from '../../ports/notifications.js';
import type { Mutation } from '../../ports/store.js';

/** In-process notifications with the same 30-day retention as the Cosmos ttl. */
export class MemoryNotificationStore implements NotificationStore {
  private readonly byUser = new Map<string, Notification[]>();

  constructor(private readonly now: () => number = Date.now) {}

  add(notifications: Notification[]): Promise<void> {
    for (const n of notifications) {
      const list = this.byUser.get(n.userId) ?? [];
      // an id stored already stays as it is (a retried add), as in the Cosmos adapter
      if (list.some((x) => x.id === n.id)) continue;
      list.push(structuredClone(n));
      this.byUser.set(n.userId, list);
    }
    return Promise.resolve();
  }

  private live(userId: string): Notification[] {
    const cutoff = this.now() - NOTIFICATION_TTL_SECONDS * 1000;
    const list = (this.byUser.get(userId) ?? []).filter((n) => Date.parse(n.createdAt) > cutoff);
    this.byUser.set(userId, list);
    return list;
  }

  list(userId: string, q: { unreadOnly: boolean; limit: number }): Promise<Notification[]> {
    const items = this.live(userId)
      .filter((n) => !q.unreadOnly || n.readAt === null)
      .sort(notificationOrder);
    return Promise.resolve(items.slice(0, q.limit).map((n) => structuredClone(n)));
  }

  update(userId: string, id: string, mutate: Mutation<Notification>): Promise<Notification | null> {
    const list = this.live(userId);
    const i = list.findIndex((n) => n.id === id);
    const current = list[i];
    if (!current) return Promise.resolve(null);
    const next = mutate(structuredClone(current));
    if (next) list[i] = structuredClone({ ...next, id: current.id, userId: current.userId });
    return Promise.resolve(structuredClone(list[i] ?? current));
  }
}
