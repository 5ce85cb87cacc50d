import { forbidden, notFound } from '../domain/errors.js';
import { EVENTS, type EventName, type Outcome, type Push } from '../domain/events.js';
import { NOTIFY_ROLE, type Notification, type SendNotificationBody } from '../domain/notification.js';
import type { AppDeps, Caller } from './deps.js';
import { requireChannelAccess } from './policy.js';

export const channelGroup = (channel: string): string => `channel:${channel}`;

const toUser = (userId: string, target: EventName, payload: Record<string, unknown>): Push => ({
  kind: 'event',
  hub: 'notifications',
  target,
  payload,
  to: { users: [userId] },
});

/** Stores one notification per user and delivers it live on the notifications hub. */
export type NotifyDeps = Pick<AppDeps, 'notifications' | 'clock' | 'ids'>;

export async function notifyUsers(
  deps: NotifyDeps,
  userIds: string[],
  content: Pick<Notification, 'kind' | 'title' | 'body' | 'data'>,
): Promise<Outcome<Notification[]>> {
  const createdAt = deps.clock.now().toISOString();
  const list: Notification[] = [...new Set(userIds)].map((userId) => ({
    id: deps.ids.newId('n'),
    userId,
    ...content,
    channel: null,
    createdAt,
    acknowledgedAt: null,
    readAt: null,
  }));
  await deps.notifications.add(list);
  return { result: list, pushes: list.map((n) => toUser(n.userId, EVENTS.receiveNotification, { ...n })) };
}

/** A back-end service (token role Notifications.Send) notifies users, or everyone subscribed to a channel. */
export async function sendNotification(
  deps: NotifyDeps,
  caller: Caller & { roles: string[] },
  body: SendNotificationBody,
): Promise<Outcome<{ delivered: number; notificationIds: string[] }>> {
  if (!caller.roles.includes(NOTIFY_ROLE))
    throw forbidden(`sending notifications needs the ${NOTIFY_ROLE} role`, 'ROLE.REQUIRED');
  const content = { kind: body.kind, title: body.title, body: body.body, data: body.data ?? {} };
  if (body.channel !== undefined) {
    const payload = {
      id: deps.ids.newId('n'),
      ...content,
      channel: body.channel,
      createdAt: deps.clock.now().toISOString(),
    };
    return {
      result: { delivered: 0, notificationIds: [payload.id] },
      pushes: [
        {
          kind: 'event',
          hub: 'notifications',
          target: EVENTS.receiveNotification,
          payload,
          to: { group: channelGroup(body.channel) },
        },
      ],
    };
  }
  const { result, pushes } = await notifyUsers(deps, body.userIds ?? [], content);
  return { result: { delivered: result.length, notificationIds: result.map((n) => n.id) }, pushes };
}

export async function listNotifications(
  deps: Pick<AppDeps, 'notifications'>,
  caller: Caller,
  q: { unreadOnly: boolean; limit: number },
) {
  return { notifications: await deps.notifications.list(caller.userId, q) };
}

/** Acknowledge (received) or read: idempotent; the user's other sessions are told. */
export async function markNotification(
  deps: Pick<AppDeps, 'notifications' | 'clock'>,
  caller: Caller,
  id: string,
  what: 'acknowledged' | 'read',
): Promise<Outcome<Notification>> {
  const at = deps.clock.now().toISOString();
  const updated = await deps.notifications.update(caller.userId, id, (n) => {
    if (what === 'read') return n.readAt === null ? { ...n, readAt: at, acknowledgedAt: n.acknowledgedAt ?? at } : null;
    return n.acknowledgedAt === null ? { ...n, acknowledgedAt: at } : null;
  });
  if (!updated) throw notFound('Notification');
  const pushes = [
    what === 'read'
      ? toUser(caller.userId, EVENTS.notificationRead, { notificationId: id, readAt: updated.readAt })
      : toUser(caller.userId, EVENTS.notificationAcknowledged, {
          notificationId: id,
          acknowledgedAt: updated.acknowledgedAt,
        }),
  ];
  return { result: updated, pushes };
}

/** Subscribing asks the policy (channel grammar and who may receive it); leaving a channel is always allowed. */
export async function subscribeChannel(
  deps: Pick<AppDeps, 'store' | 'notificationTopics'>,
  caller: Caller,
  channel: string,
  subscribe: boolean,
): Promise<Outcome<{ channel: string; subscribed: boolean }>> {
  if (caller.connectionId === undefined)
    throw forbidden('channel subscriptions are per connection', 'HUB.CONNECTION_REQUIRED');
  if (subscribe) await requireChannelAccess(deps, caller, channel);
  return {
    result: { channel, subscribed: subscribe },
    pushes: [
      {
        kind: 'group',
        hub: 'notifications',
        action: subscribe ? 'add' : 'remove',
        group: channelGroup(channel),
        connectionId: caller.connectionId,
      },
    ],
  };
}
