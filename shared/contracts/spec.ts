import { z } from 'zod';
import { LIMITS } from '../domain/limits.js';
import { AttachmentRefSchema, AttachmentSchema, MESSAGE_TYPES } from '../domain/message.js';
import { messageIdOf } from '../domain/rules.js';
import { IdSchema, UserIdSchema } from '../domain/schemas-common.js';
import { MessageViewSchema, type NativeEvent } from './native.js';
import { emitter, type MethodContract, type WireEvent } from './wire.js';

// Seed 002 ("spec" MessagingHub at /hubs/chat, Vue `useMessaging`): one object argument per event.

const Id = z.string().min(1);
const At = z.string().min(1).describe('ISO 8601 date-time');

export const SpecMessageSchema = MessageViewSchema.extend({
  status: z
    .enum(['sent', 'delivered', 'read', 'failed'])
    .describe("the seed's Status (Sent, Delivered, Failed) and read"),
}).describe('SpecMessage');

export const SPEC_EVENTS = {
  messaging: {
    ReceiveMessage: z.tuple([z.object({ message: SpecMessageSchema, tempId: Id.nullable() })]),
    ConversationUpdated: z.tuple([
      z.object({
        conversationId: Id,
        lastMessage: SpecMessageSchema,
        lastMessageAt: At,
        suggestedResponses: z
          .array(z.string())
          .optional()
          .describe('an addition: the quick replies of the conversation’s active template'),
      }),
    ]),
    MessagesRead: z.tuple([
      z.object({ conversationId: Id, userId: Id, lastReadMessageId: Id.describe('{conversationId}.{seq}') }),
    ]),
    UserTyping: z.tuple([z.object({ conversationId: Id, userId: Id, isTyping: z.boolean() })]),
    ReactionAdded: z.tuple([z.object({ messageId: Id, userId: Id, reaction: z.string() })]),
    IncomingCall: z.tuple([
      z.object({ callId: Id, conversationId: Id, callerId: Id, callType: z.enum(['audio', 'video']) }),
    ]),
  },
};

const emit = emitter(SPEC_EVENTS.messaging);

export const SpecSendMessageSchema = z
  .strictObject({
    conversationId: IdSchema,
    content: z.string().max(LIMITS.messageContentChars).default(''),
    tempId: IdSchema.optional().describe('client correlation id: makes the send idempotent, echoed in ReceiveMessage'),
    attachments: z
      .array(z.union([AttachmentRefSchema, AttachmentSchema]))
      .max(LIMITS.attachmentsPerMessage)
      .nullish(),
    type: z.enum(MESSAGE_TYPES).optional(),
    replyToMessageId: IdSchema.optional(),
    mentions: z.array(UserIdSchema).max(LIMITS.mentionsPerMessage).optional(),
  })
  .describe('SendMessageDto');

const Conversation = z.tuple([IdSchema]);

export const SPEC_METHODS = {
  messaging: {
    SendMessage: {
      summary: 'Send a message; returns {message, tempId}',
      args: z.tuple([SpecSendMessageSchema]),
      result: z.object({ message: SpecMessageSchema, tempId: Id.nullable() }),
    },
    MarkAsRead: {
      summary: 'Read up to lastReadMessageId (a message id, or its seq)',
      args: z.tuple([IdSchema, z.union([IdSchema, z.number().int().nonnegative()]).describe('lastReadMessageId')]),
    },
    StartTyping: { summary: 'Typing (10 s)', args: Conversation },
    StopTyping: { summary: 'Stopped typing', args: Conversation },
    AddReaction: { summary: 'React to a message (ReactionAdded)', args: z.tuple([IdSchema, z.string().min(1)]) },
    InitiateCall: {
      summary: 'Ring the other participants (IncomingCall)',
      args: z.tuple([IdSchema, z.enum(['audio', 'video'])]),
      result: z.object({ callId: Id, conversationId: Id }),
    },
    Ping: { summary: 'Heartbeat (an addition to the seed); returns "pong"', args: z.tuple([]) },
  },
} satisfies Record<'messaging', Record<string, MethodContract>>;

export const toSpecMessage = (m: z.output<typeof MessageViewSchema>): z.input<typeof SpecMessageSchema> => {
  const { tempId: _t, ...message } = m as typeof m & { tempId?: unknown };
  return message;
};

/** Native event → the spec events it becomes. */
export function specEvents(e: NativeEvent): WireEvent[] {
  switch (e.target) {
    case 'OnMessageReceived': {
      const { suggestedResponses, ...received } = e.payload;
      const message = toSpecMessage(received);
      return [
        emit('ReceiveMessage', { message, tempId: e.payload.tempId }),
        emit('ConversationUpdated', {
          conversationId: e.payload.conversationId,
          lastMessage: message,
          lastMessageAt: e.payload.createdAt,
          ...(suggestedResponses !== undefined && { suggestedResponses }),
        }),
      ];
    }
    case 'OnMessageRead': {
      const { conversationId, userId, seq } = e.payload;
      return [emit('MessagesRead', { conversationId, userId, lastReadMessageId: messageIdOf(conversationId, seq) })];
    }
    case 'OnTypingIndicator': {
      const { conversationId, userId, isTyping } = e.payload;
      return [emit('UserTyping', { conversationId, userId, isTyping })];
    }
    case 'OnReaction': {
      const { messageId, userId, reaction, action } = e.payload;
      return action === 'added' ? [emit('ReactionAdded', { messageId, userId, reaction })] : [];
    }
    case 'IncomingCall': {
      const { callId, conversationId, callerId, callType } = e.payload;
      return [emit('IncomingCall', { callId, conversationId, callerId, callType })];
    }
    // the seed defines none of these (its ConversationUpdated is the one after each message): native only
    case 'OnMessageUpdated':
    case 'OnMessageTranslated':
    case 'OnMessageDeleted':
    case 'OnMessageDelivered':
    case 'ConversationUpdated':
    case 'OnParticipantsChanged':
    case 'UserOnline':
    case 'UserOffline':
    case 'CallAccepted':
    case 'CallDeclined':
    case 'CallEnded':
    case 'ReceiveNotification':
    case 'NotificationAcknowledged':
    case 'NotificationRead':
    case 'ReceiveNotificationBatch':
      return [];
  }
}
