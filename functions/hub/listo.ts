// Seed 000's hubs ("listo"): MessagingHub at /hubs/messaging, NotificationHub at /hubs/notifications. Same use cases
// as the native hubs; only the argument and result shapes differ (shared/contracts/listo.ts).

import { auditedJoin } from '../../shared/app/join-audit.js';
import { sendMessage } from '../../shared/app/messages.js';
import { listNotifications, markNotification, subscribeChannel } from '../../shared/app/notifications.js';
import { connected, disconnected, ping } from '../../shared/app/presence.js';
import { markRead } from '../../shared/app/receipts.js';
import { leaveConversation } from '../../shared/app/subscriptions.js';
import { hubOf } from '../../shared/contracts/dialects.js';
import { fromListoSend, LISTO_METHODS, toListoMessage } from '../../shared/contracts/listo.js';
import { invalid } from '../../shared/domain/errors.js';
import { EVENTS } from '../../shared/domain/events.js';
import { seqOfMessageId } from '../../shared/domain/rules.js';
import { hubLifecycle, hubMethod } from '../../shared/runtime/hub.js';
import { typingMethods } from './typing-methods.js';

const hub = hubOf('listo', 'messaging')?.hub ?? 'listo_messaging';
const nhub = hubOf('listo', 'notifications')?.hub ?? 'listo_notifications';
const M = LISTO_METHODS.messaging;
const N = LISTO_METHODS.notifications;

hubLifecycle(
  'connected',
  ({ runtime, userId, connectionId }) => connected(runtime.deps, { userId, connectionId }),
  hub,
);
hubLifecycle(
  'disconnected',
  ({ runtime, userId, connectionId }) => disconnected(runtime.deps, { userId, connectionId }),
  hub,
);

hubMethod({ hub, method: 'SendMessage', ...M.SendMessage }, async ({ runtime, userId, connectionId, args }) => {
  const [conversationId, body, urls] = args;
  const { result, pushes } = await sendMessage(
    runtime.deps,
    { userId, connectionId },
    conversationId,
    fromListoSend(body, urls),
  );
  return { result: toListoMessage(result.message), pushes };
});

typingMethods(hub, M);

hubMethod(
  { hub, method: 'MarkAsRead', ...M.MarkAsRead },
  async ({ runtime, userId, connectionId, args: [conversationId, messageId] }) => {
    const seq = seqOfMessageId(conversationId, messageId);
    if (seq === null) throw invalid(`${messageId} is not a message of ${conversationId}`, 'MESSAGE.ID_INVALID');
    return markRead(runtime.deps, { userId, connectionId }, conversationId, seq);
  },
);

hubMethod(
  { hub, method: 'JoinConversation', ...M.JoinConversation },
  ({ runtime, userId, connectionId, args: [conversationId] }) =>
    auditedJoin(runtime.deps, { userId, connectionId }, conversationId, hub),
);

hubMethod({ hub, method: 'LeaveConversation', ...M.LeaveConversation }, ({ userId, connectionId, args: [id] }) =>
  Promise.resolve(leaveConversation({ userId, connectionId }, id)),
);

hubMethod({ hub, method: 'Ping', ...M.Ping }, ({ runtime, userId, connectionId }) =>
  ping(runtime.deps, { userId, connectionId }),
);

// ---- NotificationHub ----

/** A connection that opens gets the unread notifications (ReceiveNotificationBatch), as the seed's hub sends them. */
hubLifecycle(
  'connected',
  async ({ runtime, userId, connectionId }) => {
    const { notifications } = await listNotifications(runtime.deps, { userId }, { unreadOnly: true, limit: 50 });
    return [
      {
        kind: 'event',
        hub: 'notifications',
        target: EVENTS.notificationBatch,
        payload: { notifications },
        to: { connection: connectionId },
      },
    ];
  },
  nhub,
);

for (const [method, what] of [
  ['AcknowledgeNotification', 'acknowledged'],
  ['MarkAsRead', 'read'],
] as const) {
  hubMethod({ hub: nhub, method, ...N[method] }, async ({ runtime, userId, args: [id] }) =>
    markNotification(runtime.deps, { userId }, id, what),
  );
}

for (const [method, subscribe] of [
  ['SubscribeToChannel', true],
  ['UnsubscribeFromChannel', false],
] as const) {
  hubMethod({ hub: nhub, method, ...N[method] }, ({ runtime, userId, connectionId, args: [channel] }) =>
    subscribeChannel(runtime.deps, { userId, connectionId }, channel, subscribe),
  );
}

hubMethod({ hub: nhub, method: 'Ping', ...N.Ping }, () => Promise.resolve({ result: 'pong' }));
