import { z } from 'zod';
import { LIMITS } from '../domain/limits.js';
import { SYSTEM_MESSAGE_TYPES } from '../domain/message.js';
import { ChannelSchema } from '../domain/notification.js';
import { messageIdOf } from '../domain/rules.js';
import { IdSchema } from '../domain/schemas-common.js';
import { type MessageViewSchema, type NativeEvent, NotificationSchema } from './native.js';
import { emitter, type MethodContract, type WireEvent } from './wire.js';

// Seed 000 ("Listo" MessagingHub at /hubs/messaging, NotificationHub at /hubs/notifications): positional arguments.

const Id = z.string().min(1);
const At = z.string().min(1).describe('ISO 8601 date-time');

export const ListoMessageDtoSchema = z
  .object({
    messageId: Id.describe('{conversationId}.{seq}'),
    conversationId: Id,
    senderUserId: Id,
    body: z.string(),
    attachments: z.array(z.string()).describe('attachment URLs'),
    status: z.enum(['sent', 'delivered', 'read', 'failed']),
    sentAt: At,
    readAt: At.nullable(),
    seq: z.number().int().positive(),
    isEncrypted: z.boolean().optional().describe('true: sensitive data in body is masked (an addition to the seed)'),
    formattedContent: z.string().optional().describe('body as sanitized HTML (an addition to the seed)'),
    mentions: z.array(Id).optional().describe('mentioned user ids (an addition to the seed)'),
    systemMessageType: z.enum(SYSTEM_MESSAGE_TYPES).optional().describe('an addition: on typed system messages'),
    systemMessageData: z.record(z.string(), z.unknown()).optional().describe('an addition: its facts'),
  })
  .describe('MessageDto');

export const ListoNotificationSchema = NotificationSchema.extend({
  notificationId: Id.describe('= id'),
}).describe('NotificationMessage');

export const LISTO_EVENTS = {
  messaging: {
    OnMessageReceived: z.tuple([ListoMessageDtoSchema]),
    OnTypingIndicator: z.tuple([Id.describe('conversationId'), Id.describe('userId'), z.boolean()]),
    OnMessageRead: z.tuple([Id.describe('conversationId'), Id.describe('messageId'), Id.describe('userId'), At]),
    UserOnline: z.tuple([Id.describe('userId')]),
    UserOffline: z.tuple([Id.describe('userId')]),
  },
  notifications: {
    ReceiveNotification: z.tuple([ListoNotificationSchema]),
    NotificationAcknowledged: z.tuple([Id.describe('notificationId')]),
    NotificationRead: z.tuple([Id.describe('notificationId'), At.nullable()]),
    ReceiveNotificationBatch: z.tuple([z.array(ListoNotificationSchema)]),
  },
};

const emitM = emitter(LISTO_EVENTS.messaging);
const emitN = emitter(LISTO_EVENTS.notifications);

const Attachments = z.array(z.url().max(LIMITS.urlChars)).max(LIMITS.attachmentsPerMessage).nullish();
const Conversation = z.tuple([IdSchema]);

export const LISTO_METHODS = {
  messaging: {
    SendMessage: {
      summary: 'Send a message; returns the MessageDto',
      args: z.tuple([
        IdSchema.describe('conversationId'),
        z.string().max(LIMITS.messageContentChars).describe('body'),
        Attachments.describe('attachments (URLs)'),
      ]),
      result: ListoMessageDtoSchema,
    },
    StartTyping: { summary: 'Typing (10 s)', args: Conversation },
    StopTyping: { summary: 'Stopped typing', args: Conversation },
    MarkAsRead: { summary: 'Read up to this message', args: z.tuple([IdSchema, IdSchema.describe('messageId')]) },
    JoinConversation: { summary: 'This connection receives the conversation (participants only)', args: Conversation },
    LeaveConversation: { summary: 'This connection stops receiving it', args: Conversation },
    Ping: { summary: 'Health check; returns "pong"', args: z.tuple([]), result: z.literal('pong') },
  },
  notifications: {
    AcknowledgeNotification: { summary: 'Received', args: z.tuple([IdSchema]) },
    MarkAsRead: { summary: 'Read', args: z.tuple([IdSchema]) },
    SubscribeToChannel: { summary: 'Receive a channel on this connection', args: z.tuple([ChannelSchema]) },
    UnsubscribeFromChannel: { summary: 'Stop receiving a channel', args: z.tuple([ChannelSchema]) },
    Ping: { summary: 'Health check; returns "pong"', args: z.tuple([]), result: z.literal('pong') },
  },
} satisfies Record<'messaging' | 'notifications', Record<string, MethodContract>>;

/** A message as the seed's MessageDto (status and readAt as the native view carries them). */
export const toListoMessage = (m: z.output<typeof MessageViewSchema>): z.input<typeof ListoMessageDtoSchema> => ({
  messageId: m.id,
  conversationId: m.conversationId,
  senderUserId: m.senderId,
  body: m.content,
  attachments: m.attachments.map((a) => a.url),
  status: m.status,
  sentAt: m.createdAt,
  readAt: m.readAt,
  seq: m.seq,
  ...(m.isEncrypted === true && { isEncrypted: true }),
  ...(m.formattedContent !== undefined && { formattedContent: m.formattedContent }),
  ...(m.mentions.length > 0 && { mentions: m.mentions }),
  ...(m.systemMessageType !== undefined && {
    systemMessageType: m.systemMessageType,
    systemMessageData: m.systemMessageData ?? {},
  }),
});

export const toListoNotification = (n: z.output<typeof NotificationSchema>) => ({ ...n, notificationId: n.id });

/** Native event → the listo events it becomes (none when the seed defines no such event). */
export function listoEvents(e: NativeEvent): WireEvent[] {
  switch (e.target) {
    case 'OnMessageReceived':
      return [emitM('OnMessageReceived', toListoMessage(e.payload))];
    case 'OnTypingIndicator':
      return [emitM('OnTypingIndicator', e.payload.conversationId, e.payload.userId, e.payload.isTyping)];
    case 'OnMessageRead': {
      const { conversationId, userId, seq, readAt } = e.payload;
      return [emitM('OnMessageRead', conversationId, messageIdOf(conversationId, seq), userId, readAt)];
    }
    case 'UserOnline':
      return [emitM('UserOnline', e.payload.userId)];
    case 'UserOffline':
      return [emitM('UserOffline', e.payload.userId)];
    case 'ReceiveNotification':
      return [emitN('ReceiveNotification', toListoNotification(e.payload))];
    case 'NotificationAcknowledged':
      return [emitN('NotificationAcknowledged', e.payload.notificationId)];
    case 'NotificationRead':
      return [emitN('NotificationRead', e.payload.notificationId, e.payload.readAt)];
    case 'ReceiveNotificationBatch':
      return [emitN('ReceiveNotificationBatch', e.payload.notifications.map(toListoNotification))];
    // the seed defines none of these: native only
    case 'OnMessageUpdated':
    case 'OnMessageTranslated':
    case 'OnMessageDeleted':
    case 'OnReaction':
    case 'OnMessageDelivered':
    case 'ConversationUpdated':
    case 'OnParticipantsChanged':
    case 'IncomingCall':
    case 'CallAccepted':
    case 'CallDeclined':
    case 'CallEnded':
      return [];
  }
}

/** The seed's `SendMessage(conversationId, body, attachments?)` as a native send (attachment URLs → attachments). */
export function fromListoSend(body: string, urls: readonly string[] | null | undefined) {
  const attachments = (urls ?? []).map((url) => ({
    type: 'document' as const,
    url,
    fileName: decodeURIComponent(new URL(url).pathname.split('/').pop() || 'attachment').slice(0, 255) || 'attachment',
    mimeType: 'application/octet-stream',
    size: 0,
  }));
  const type = body.trim() === '' && attachments.length > 0 ? ('file' as const) : ('text' as const);
  return { content: body, type, ...(attachments.length > 0 && { attachments }) };
}
