/** Server → client events (the messaging hub's, and the notifications hub's last three). Every event has exactly one argument, an object. */
export const EVENTS = {
  messageReceived: 'OnMessageReceived',
  messageUpdated: 'OnMessageUpdated',
  messageDeleted: 'OnMessageDeleted',
  /** A message in the recipient's language (auto-translate), to that recipient only. */
  messageTranslated: 'OnMessageTranslated',
  reaction: 'OnReaction',
  messageRead: 'OnMessageRead',
  messageDelivered: 'OnMessageDelivered',
  typing: 'OnTypingIndicator',
  userOnline: 'UserOnline',
  userOffline: 'UserOffline',
  conversationUpdated: 'ConversationUpdated',
  participantsChanged: 'OnParticipantsChanged',
  incomingCall: 'IncomingCall',
  receiveNotification: 'ReceiveNotification',
  notificationAcknowledged: 'NotificationAcknowledged',
  notificationRead: 'NotificationRead',
  callAccepted: 'CallAccepted',
  callDeclined: 'CallDeclined',
  callEnded: 'CallEnded',
  /** The unread notifications, to a connection that just opened (listo notifications hub). */
  notificationBatch: 'ReceiveNotificationBatch',
} as const;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** The SignalR group every participant of a conversation is in. */
export const conversationGroup = (conversationId: string): string => `conversation:${conversationId}`;

/**
 * `except`: connection ids left out of a group send (the seeds' OthersInGroup: the caller's own connection).
 * `exceptUser`: when the group is delivered per user (small conversations), this user is left out instead, since a
 * per-user send cannot leave out one connection.
 * `participants`: the conversation's participants as the producer just loaded them, so delivery planning does not
 * read the conversation again (shared/app/delivery.ts).
 */
export type Audience =
  | { group: string; except?: string[]; exceptUser?: string; participants?: readonly string[] }
  | { users: string[] }
  | { connection: string };

/** The two hubs: messaging (default) and notifications. */
export type HubName = 'messaging' | 'notifications';

export interface RealtimeEvent {
  kind: 'event';
  hub?: HubName;
  target: EventName;
  payload: Record<string, unknown>;
  to: Audience;
}

/** Adds or removes a user (all of their connections, now and later) or one connection to/from a group. */
export interface GroupChange {
  kind: 'group';
  hub?: HubName;
  action: 'add' | 'remove';
  group: string;
  userId?: string;
  connectionId?: string;
}

export type Push = RealtimeEvent | GroupChange;

export const toGroup = (
  conversationId: string,
  target: EventName,
  payload: Record<string, unknown>,
  participants?: readonly string[],
): RealtimeEvent => ({
  kind: 'event',
  target,
  payload,
  to: { group: conversationGroup(conversationId), ...(participants !== undefined && { participants }) },
});

/**
 * To the conversation's group except the connection that caused it (typing, read receipts). With `exceptUser`, a
 * per-user delivery leaves that user out (typing: nobody needs their own echo); without it the user's devices all get
 * it (read marks keep the reader's other devices in step).
 */
export const toOthersInGroup = (
  conversationId: string,
  target: EventName,
  payload: Record<string, unknown>,
  connectionId: string | undefined,
  exceptUser?: string,
): RealtimeEvent => ({
  kind: 'event',
  target,
  payload,
  to: {
    group: conversationGroup(conversationId),
    ...(connectionId !== undefined && { except: [connectionId] }),
    ...(exceptUser !== undefined && { exceptUser }),
  },
});

export const toUsers = (users: string[], target: EventName, payload: Record<string, unknown>): RealtimeEvent => ({
  kind: 'event',
  target,
  payload,
  to: { users },
});

/** What a use case hands back: its answer plus what must be pushed once the state is durable. */
export interface Outcome<T> {
  result: T;
  pushes: Push[];
}
