import { z } from 'zod';
import { markNotification, subscribeChannel } from '../../shared/app/notifications.js';
import { ChannelSchema } from '../../shared/domain/notification.js';
import { IdSchema } from '../../shared/domain/schemas-common.js';
import { HUBS } from '../../shared/runtime/bindings.js';
import { hubLifecycle, hubMethod } from '../../shared/runtime/hub.js';

const hub = HUBS.notifications;

hubMethod(
  {
    hub,
    method: 'AcknowledgeNotification',
    summary: 'Received; the user’s other sessions get NotificationAcknowledged',
    args: z.tuple([IdSchema]),
  },
  async ({ runtime, userId, args: [id] }) => {
    const { result, pushes } = await markNotification(runtime.deps, { userId }, id, 'acknowledged');
    return { result, pushes };
  },
);

hubMethod(
  {
    hub,
    method: 'MarkAsRead',
    summary: 'Read; the user’s other sessions get NotificationRead',
    args: z.tuple([IdSchema]),
  },
  async ({ runtime, userId, args: [id] }) => {
    const { result, pushes } = await markNotification(runtime.deps, { userId }, id, 'read');
    return { result, pushes };
  },
);

hubMethod(
  {
    hub,
    method: 'SubscribeToChannel',
    summary: 'Receive a channel’s notifications on this connection',
    args: z.tuple([ChannelSchema]),
  },
  ({ runtime, userId, connectionId, args: [channel] }) =>
    subscribeChannel(runtime.deps, { userId, connectionId }, channel, true),
);

hubMethod(
  {
    hub,
    method: 'UnsubscribeFromChannel',
    summary: 'Stop receiving a channel',
    args: z.tuple([ChannelSchema]),
  },
  ({ runtime, userId, connectionId, args: [channel] }) =>
    subscribeChannel(runtime.deps, { userId, connectionId }, channel, false),
);

hubMethod({ hub, method: 'Ping', summary: 'Health check', args: z.tuple([]) }, () =>
  Promise.resolve({ result: 'pong' }),
);

// why: nothing to do on connect, but the runtime counts active connections per hub (ActiveConnections metric)
hubLifecycle('connected', () => Promise.resolve([]), hub);
hubLifecycle('disconnected', () => Promise.resolve([]), hub);
