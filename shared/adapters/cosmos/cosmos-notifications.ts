import type { Container } from '@azure/cosmos';
import { NOTIFICATION_TTL_SECONDS, type Notification } from '../../domain/notification.js';
import type { NotificationStore } from '../../ports/notifications.js';
import type { Mutation } from '../../ports/store.js';

type Doc = Notification & { docType: 'notification'; ttl: number; _etag?: string };

const docId = (id: string): string => `ntf:${id}`;

function toNotification(d: Doc): Notification {
  const { docType: _d, ttl: _t, _etag: _e, ...rest } = d;
  const clean = { ...rest } as Notification & Record<string, unknown>;
  for (const k of ['_rid', '_self', '_ts', '_attachments']) delete clean[k];
  return { ...clean, id: clean.id.replace(/^ntf:/, '') };
}

/** Notifications live in the users container (partition /userId) beside the profile, expiring by ttl. */
export class CosmosNotificationStore implements NotificationStore {
  constructor(private readonly container: Container) {}

  async add(notifications: Notification[]): Promise<void> {
    await Promise.all(
      notifications.map((n) =>
        this.container.items.create<Doc>({
          ...n,
          id: docId(n.id),
          docType: 'notification',
          ttl: NOTIFICATION_TTL_SECONDS,
        }),
      ),
    );
  }

  async list(userId: string, q: { unreadOnly: boolean; limit: number }): Promise<Notification[]> {
    const { resources } = await this.container.items
      .query<Doc>(
        {
          query: `SELECT TOP @n * FROM c WHERE c.userId = @u AND c.docType = 'notification'${q.unreadOnly ? ' AND IS_NULL(c.readAt)' : ''} ORDER BY c.createdAt DESC`,
          parameters: [
            { name: '@n', value: q.limit },
            { name: '@u', value: userId },
          ],
        },
        { partitionKey: userId },
      )
      .fetchAll();
    return resources.map(toNotification);
  }

  async update(userId: string, id: string, mutate: Mutation<Notification>): Promise<Notification | null> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { resource } = await this.container.item(docId(id), userId).read<Doc>();
      if (!resource || resource.docType !== 'notification') return null;
      const next = mutate(toNotification(resource));
      if (!next) return toNotification(resource);
      try {
        const { resource: saved } = await this.container
          .item(docId(id), userId)
          .replace<Doc>(
            { ...resource, ...next, id: docId(id), userId, docType: 'notification', ttl: resource.ttl },
            { accessCondition: { type: 'IfMatch', condition: resource._etag ?? '' } },
          );
        return saved ? toNotification(saved) : null;
      } catch (e) {
        if ((e as { code?: number }).code !== 412) throw e;
      }
    }
    throw new Error('notification kept changing; gave up after 10 attempts');
  }
}
