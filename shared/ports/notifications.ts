import type { Notification } from '../domain/notification.js';
import type { Mutation } from './store.js';

/** A user's notifications (30-day retention). Adapters: memory and cosmos (users container). */
export interface NotificationStore {
  add(notifications: Notification[]): Promise<void>;
  /** Newest first. */
  list(userId: string, q: { unreadOnly: boolean; limit: number }): Promise<Notification[]>;
  update(userId: string, id: string, mutate: Mutation<Notification>): Promise<Notification | null>;
}
