import type { Container } from '@azure/cosmos';
import { conflict } from '../../domain/errors.js';
import { NOTIFICATION_TTL_SECONDS, type Notification } from '../../domain/notification.js';
import type { NotificationStore } from '../../ports/notifications.js';
import type { Mutation } from '../../ports/store.js';
import { DocumentContainer } from './cosmos-container.js';
import { NOTIFICATION, notificationDoc, notificationDocId } from './cosmos-docs.js';
import { guard } from './cosmos-errors.js';
import { updateDocument } from './cosmos-occ.js';

/**
 * Notifications live in the users container (partition /userId) beside the profile, expiring by ttl. Same document
 * primitives as the conversation store: retried when the database is busy, mapped to `unavailable` when it stays so.
 */
export class CosmosNotificationStore implements NotificationStore {
  private readonly docs: DocumentContainer;

  constructor(container: Container) {
    this.docs = new DocumentContainer(container);
  }

  add(notifications: Notification[]): Promise<void> {
    return guard(async () => {
      // a create that finds the id taken leaves the stored notification as it is (a retried add)
      await Promise.all(
        notifications.map((n) => this.docs.create(notificationDoc(n, NOTIFICATION_TTL_SECONDS), n.userId)),
      );
    });
  }

  /** Newest first: the ORDER BY is notificationOrder (shared/domain/ordering.ts) without its id tie-break. */
  list(userId: string, q: { unreadOnly: boolean; limit: number }): Promise<Notification[]> {
    return guard(async () => {
      const unread = q.unreadOnly ? ' AND IS_NULL(c.readAt)' : '';
      const docs = await this.docs.query(
        {
          query: `SELECT TOP @n * FROM c WHERE c.userId = @u AND c.docType = 'notification'${unread} ORDER BY c.createdAt DESC`,
          parameters: [
            { name: '@n', value: q.limit },
            { name: '@u', value: userId },
          ],
        },
        userId,
        NOTIFICATION,
      );
      return docs.map((d) => d.value);
    });
  }

  update(userId: string, id: string, mutate: Mutation<Notification>): Promise<Notification | null> {
    return guard(async () => {
      const updated = await updateDocument({
        docs: this.docs,
        id: notificationDocId(id),
        partitionKey: userId,
        kind: NOTIFICATION,
        missing: () => null,
        mutate,
        toDoc: (next) => notificationDoc({ ...next, id, userId }, NOTIFICATION_TTL_SECONDS),
        busy: () => conflict('the notification changed too often to update it; try again', 'NOTIFICATION.BUSY'),
      });
      return updated?.value ?? null;
    });
  }
}
