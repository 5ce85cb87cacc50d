import { z } from 'zod';
import { NOTIFICATION_LEVELS } from '../domain/conversation.js';
import { MESSAGE_STATUSES } from '../domain/message.js';
import { ConnectionInfoSchema } from './http.js';
import { MessageViewSchema, NotificationSchema } from './native.js';

// Response bodies of the HTTP routes that do not name one beside their registration, by route name (OpenAPI).
// Loose objects: the fields clients rely on are listed; a field added later is not a break.

const Id = z.string().min(1);
const At = z.string().describe('ISO 8601 date-time');

const ParticipantSchema = z
  .looseObject({ userId: Id, role: z.enum(['owner', 'admin', 'member']), joinedAt: At })
  .describe('Participant');

const ConversationSchema = z
  .looseObject({
    conversationId: Id,
    id: Id,
    type: z.string(),
    title: z.string().nullable(),
    participants: z.array(ParticipantSchema),
    lastSeq: z.number().int().nonnegative(),
    lastMessageAt: At.nullable(),
  })
  .describe('Conversation');

const LastMessageSchema = z
  .looseObject({
    id: Id,
    seq: z.number().int(),
    senderId: Id,
    preview: z.string(),
    createdAt: At,
    status: z.enum(MESSAGE_STATUSES).optional().describe('for the caller (README "Message status")'),
    readAt: At.nullable().optional(),
  })
  .describe('LastMessage');

const InboxSchema = z
  .looseObject({
    conversations: z.array(
      z.looseObject({
        conversationId: Id,
        type: z.string(),
        lastMessage: LastMessageSchema.nullable(),
        lastSeq: z.number().int(),
        lastReadSeq: z.number().int(),
        unreadCount: z.number().int(),
        isMuted: z.boolean(),
        isArchived: z.boolean(),
        isPinned: z.boolean(),
      }),
    ),
    unreadTotal: z.number().int(),
    hasMore: z.boolean(),
    continuationToken: z.string().nullable(),
  })
  .describe('Inbox');

const MessagePageSchema = z
  .looseObject({
    messages: z.array(MessageViewSchema),
    hasMore: z.boolean(),
    oldestMessageId: Id.nullable(),
    newestMessageId: Id.nullable(),
    oldestSeq: z.number().int().nullable(),
    newestSeq: z.number().int().nullable(),
    lastSeq: z.number().int(),
  })
  .describe('MessagePage');

const SearchResultsSchema = z
  .looseObject({
    results: z.array(z.looseObject({ conversationId: Id, message: MessageViewSchema })),
    totalCount: z.number().int(),
  })
  .describe('SearchResults');

const Reader = z.looseObject({ userId: Id, readAt: At.nullable() });
const MessageDetailSchema = z
  .looseObject({
    message: MessageViewSchema,
    status: z.enum(MESSAGE_STATUSES).describe('the sender’s view: read as soon as one other participant read it'),
    readBy: z.array(Reader),
    deliveredTo: z.array(Id),
    reactions: z.array(z.looseObject({ reaction: z.string(), userIds: z.array(Id), count: z.number().int() })),
  })
  .describe('MessageDetail');

const Draft = z.looseObject({ content: z.string() }).nullable();
const Blocks = z.looseObject({ blocked: z.array(z.looseObject({ userId: Id })) });
const Presence = z.looseObject({ userId: Id, status: z.string(), isOnline: z.boolean() });
const Participants = z.looseObject({ participants: z.array(ParticipantSchema) });
const Upload = z
  .looseObject({
    attachmentId: Id,
    url: z.string().describe('the API path that reads it (GET answers 302 to a short-lived read SAS)'),
    thumbnailUrl: z.string().nullable(),
    metadata: z.looseObject({
      type: z.string(),
      fileName: z.string(),
      mimeType: z.string(),
      size: z.number().int(),
      scanStatus: z.string(),
    }),
  })
  .describe('UploadedAttachment');

export const RESPONSES: Record<string, z.ZodType> = {
  negotiate: ConnectionInfoSchema,
  'negotiate-notifications': ConnectionInfoSchema,
  'conversations-list': InboxSchema,
  'conversations-create': z.looseObject({ conversationId: Id, conversation: ConversationSchema, created: z.boolean() }),
  'conversations-get': z.looseObject({
    conversation: ConversationSchema,
    participants: z.array(ParticipantSchema),
    membership: z.record(z.string(), z.unknown()).nullable().describe('the caller’s own inbox entry and settings'),
  }),
  'conversations-update': z.looseObject({ conversation: ConversationSchema }),
  'participants-list': Participants,
  'participants-add': Participants.extend({ added: z.array(Id) }),
  'participants-role': Participants,
  'conversations-mute': z.looseObject({ conversationId: Id, isMuted: z.boolean(), mutedUntil: At.nullable() }),
  'conversations-archive': z.looseObject({ conversationId: Id, isArchived: z.boolean() }),
  'conversations-pin': z.looseObject({ conversationId: Id, isPinned: z.boolean() }),
  'conversations-notifications': z.looseObject({ conversationId: Id, notificationLevel: z.enum(NOTIFICATION_LEVELS) }),
  'messages-list': MessagePageSchema,
  'messages-send': z.looseObject({ message: MessageViewSchema, tempId: Id.nullable() }),
  'messages-search-conversation': SearchResultsSchema,
  'messages-search': SearchResultsSchema,
  'messages-get': MessageDetailSchema,
  'messages-edit': z.looseObject({ message: MessageViewSchema }),
  'messages-forward': z.looseObject({ messages: z.array(MessageViewSchema) }),
  'reactions-add': z.looseObject({ reactions: z.record(z.string(), z.array(Id)) }),
  'conversations-read': z.looseObject({
    conversationId: Id,
    lastReadSeq: z.number().int(),
    unreadCount: z.number().int(),
  }),
  'blocks-list': Blocks,
  'blocks-add': Blocks,
  'drafts-list': z.looseObject({ drafts: z.array(z.looseObject({ conversationId: Id, draft: Draft })) }),
  'drafts-get': z.looseObject({ conversationId: Id, draft: Draft }),
  'drafts-save': z.looseObject({ conversationId: Id, draft: Draft }),
  'notifications-send': z.looseObject({ delivered: z.number().int(), notificationIds: z.array(Id) }),
  'notifications-list': z.looseObject({ notifications: z.array(NotificationSchema) }),
  'notifications-ack': z.looseObject({ notification: NotificationSchema }),
  'notifications-read': z.looseObject({ notification: NotificationSchema }),
  'typing-start': z.looseObject({ accepted: z.boolean() }),
  'typing-stop': z.looseObject({ accepted: z.boolean() }),
  'typing-get': z.looseObject({ conversationId: Id, userIds: z.array(Id) }),
  'presence-update': z.looseObject({ presence: Presence }),
  'presence-get': z.looseObject({ presence: z.record(z.string(), Presence) }),
  'devices-register': z.looseObject({ deviceId: Id, platform: z.string() }),
  'push-preferences': z.looseObject({ preferences: z.record(z.string(), z.unknown()) }),
  'dev-push-outbox': z.looseObject({ notifications: z.array(z.record(z.string(), z.unknown())) }),
  'dev-token': z.looseObject({ token: z.string(), userId: Id }),
  'attachments-upload': Upload,
  'attachments-complete': Upload,
  'attachments-voice': z.looseObject({
    attachmentId: Id,
    url: z.string(),
    waveform: z.array(z.number()).describe('normalized peaks, 0..1'),
    durationSeconds: z.number(),
  }),
  'attachments-create': z.looseObject({
    attachmentId: Id,
    uploadUrl: z.string().describe('write-only SAS for exactly this blob'),
    uploadHeaders: z.record(z.string(), z.string()),
    expiresAt: At,
    completeUrl: z.string(),
  }),
  'attachments-get': z
    .looseObject({ url: z.string(), expiresAt: At })
    .describe('with format=json; otherwise 302 to the same url'),
  openapi: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }).describe('OpenAPI 3.1'),
  asyncapi: z.looseObject({ asyncapi: z.string(), channels: z.record(z.string(), z.unknown()) }).describe('AsyncAPI 3'),
  health: z.looseObject({ status: z.literal('ok'), store: z.string() }),
};
