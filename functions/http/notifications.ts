import { z } from 'zod';
import { listNotifications, markNotification, sendNotification } from '../../shared/app/notifications.js';
import { ListNotificationsQuerySchema, SendNotificationBodySchema } from '../../shared/domain/notification.js';
import { IdSchema } from '../../shared/domain/schemas-common.js';
import { route } from '../../shared/runtime/routes.js';

const NotificationParams = z.strictObject({ notificationId: IdSchema });

route(
  {
    name: 'notifications-send',
    method: 'POST',
    path: 'v1/notifications',
    summary: 'Notify users or a channel (token role Notifications.Send)',
    body: SendNotificationBodySchema,
    success: 202,
  },
  async ({ runtime, userId, roles, body }) => {
    const { result, pushes } = await sendNotification(runtime.deps, { userId, roles }, body);
    return { status: 202, body: result, pushes };
  },
);

route(
  {
    name: 'notifications-list',
    method: 'GET',
    path: 'v1/notifications',
    summary: 'The caller’s notifications, newest first (30 days)',
    query: ListNotificationsQuerySchema,
  },
  async ({ runtime, userId, query }) => ({
    status: 200,
    body: await listNotifications(runtime.deps, { userId }, query),
  }),
);

route(
  {
    name: 'notifications-ack',
    method: 'POST',
    path: 'v1/notifications/{notificationId}/ack',
    summary: 'Acknowledge a notification',
    params: NotificationParams,
  },
  async ({ runtime, userId, params }) => {
    const { result, pushes } = await markNotification(runtime.deps, { userId }, params.notificationId, 'acknowledged');
    return { status: 200, body: { notification: result }, pushes };
  },
);

route(
  {
    name: 'notifications-read',
    method: 'POST',
    path: 'v1/notifications/{notificationId}/read',
    summary: 'Mark a notification read',
    params: NotificationParams,
  },
  async ({ runtime, userId, params }) => {
    const { result, pushes } = await markNotification(runtime.deps, { userId }, params.notificationId, 'read');
    return { status: 200, body: { notification: result }, pushes };
  },
);
