/**
 * What the Cosmos adapters store, and how a stored document becomes a domain value again.
 *
 * Data model
 *   conversations (partition /conversationId): the conversation doc (docType 'conversation', id = conversationId),
 *     every message (docType 'message', id = messageIdOf(conversationId, seq)) and idempotency claims (docType
 *     'claim', id = 'cmid:' + sender + clientMessageId, see claimIdOf; conversation ids are never 'cmid:…', so a claim cannot take the id of a
 *     message or of the conversation). Messages and claims carry the retention `ttl`; the conversation never does.
 *   memberships (partition /userId): one doc per (user, conversation), id = conversationId.
 *   users (partition /userId): one profile doc, id = userId, and the user's notifications (docType 'notification',
 *     id = 'ntf:' + notification id, expiring by `ttl`).
 *   Every doc carries `writeId`, a fresh random id per write: after a timeout or a dropped connection a read tells
 *   whether our write landed, so a write is retried without ever being applied twice.
 *
 * Reading back, every document is parsed with the schema of its kind: the bookkeeping (`_etag`, `docType`, `writeId`,
 * partition copies) is dropped by the parse, and a document of an unexpected shape fails loudly instead of leaking.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BOOKING_EVENT_TYPES } from '../../domain/booking.js';
import { SealedContentSchema } from '../../domain/content/cipher.js';
import { SENSITIVE_KINDS } from '../../domain/content/sensitive.js';
import {
  CONVERSATION_TYPES,
  type Conversation,
  type Membership,
  type MessagePreview,
  NOTIFICATION_LEVELS,
  ROLES,
  type UserProfile,
} from '../../domain/conversation.js';
import { LinkPreviewSchema } from '../../domain/link-preview.js';
import {
  ATTACHMENT_TYPES,
  type Attachment,
  type Location,
  MESSAGE_TYPES,
  type Message,
  SYSTEM_MESSAGE_TYPES,
} from '../../domain/message.js';
import type { Notification } from '../../domain/notification.js';
import { previewOf } from '../../domain/rules.js';

// ---------------------------------------------------------------- schemas of the stored shapes

/** Structure only: input limits (lengths, URL syntax) were checked on the way in and may change later. */
const AttachmentShape: z.ZodType<Attachment> = z.object({
  id: z.string().optional(),
  type: z.enum(ATTACHMENT_TYPES),
  url: z.string(),
  fileName: z.string(),
  mimeType: z.string(),
  size: z.number(),
  thumbnailUrl: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  durationSeconds: z.number().optional(),
  external: z.boolean().optional(),
  scanStatus: z.enum(['not_scanned', 'pending', 'clean', 'infected']).optional(),
  waveform: z.array(z.number()).optional(),
});

const LocationShape: z.ZodType<Location> = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: z.string().optional(),
});

const PreviewShape: z.ZodType<MessagePreview> = z.object({
  id: z.string(),
  seq: z.number(),
  senderId: z.string(),
  type: z.string(),
  preview: z.string(),
  createdAt: z.string(),
});

const ConversationShape: z.ZodType<Conversation> = z.object({
  id: z.string(),
  type: z.enum(CONVERSATION_TYPES),
  title: z.string().nullable(),
  description: z.string().nullable(),
  imageUrl: z.string().nullable(),
  bookingId: z.string().nullable(),
  category: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  participants: z.array(
    z.object({ userId: z.string(), role: z.enum(ROLES), joinedAt: z.string(), joinedSeq: z.number().optional() }),
  ),
  lastSeq: z.number(),
  lastMessage: PreviewShape.nullable(),
  lastMessageAt: z.string().nullable(),
  retentionDays: z.number().nullable(),
  settings: z.record(z.string(), z.unknown()),
  autoTranslate: z.array(z.string()).optional(),
  templateId: z.string().nullable().optional(),
  suggestedResponses: z.array(z.string()).optional(),
  booking: z
    .object({ status: z.enum(BOOKING_EVENT_TYPES), lastEventAt: z.string(), eventIds: z.array(z.string()) })
    .optional(),
});

const MessageShape: z.ZodType<Message> = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number(),
  senderId: z.string(),
  type: z.enum(MESSAGE_TYPES),
  content: z.string(),
  clientMessageId: z.string().nullable(),
  replyToMessageId: z.string().nullable(),
  mentions: z.array(z.string()),
  attachments: z.array(AttachmentShape),
  location: LocationShape.nullable(),
  reactions: z.record(z.string(), z.array(z.string())),
  isEdited: z.boolean(),
  editedAt: z.string().nullable(),
  editHistory: z.array(z.object({ content: z.string(), editedAt: z.string() })),
  isDeleted: z.boolean(),
  deletedAt: z.string().nullable(),
  deletedBy: z.string().nullable(),
  hiddenFor: z.array(z.string()),
  createdAt: z.string(),
  isForwarded: z.boolean().optional(),
  forwardedFromId: z.string().optional(),
  // loose: later processors add their own keys beside linkPreviews
  metadata: z.looseObject({ linkPreviews: z.array(LinkPreviewSchema).optional() }).optional(),
  systemMessageType: z.enum(SYSTEM_MESSAGE_TYPES).optional(),
  systemMessageData: z.record(z.string(), z.unknown()).optional(),
  ttl: z.number().optional(),
  pendingSince: z.string().optional(),
  moderation: z.object({ flagged: z.boolean(), reasons: z.array(z.string()) }).optional(),
  formattedContent: z.string().optional(),
  isEncrypted: z.boolean().optional(),
  keyVersion: z.string().optional(),
  redactions: z.array(z.enum(SENSITIVE_KINDS)).optional(),
  sealed: SealedContentSchema.optional(),
});

const MembershipShape: z.ZodType<Membership> = z.object({
  userId: z.string(),
  conversationId: z.string(),
  conversationType: z.enum(CONVERSATION_TYPES),
  role: z.enum(ROLES),
  joinedAt: z.string(),
  joinedSeq: z.number().optional(),
  lastSeq: z.number(),
  lastReadSeq: z.number(),
  goneSeqs: z.array(z.number()).optional(),
  lastReadAt: z.string().nullable(),
  lastDeliveredSeq: z.number(),
  lastActivityAt: z.string(),
  muted: z.boolean(),
  mutedUntil: z.string().nullable(),
  archived: z.boolean(),
  pinned: z.boolean(),
  notificationLevel: z.enum(NOTIFICATION_LEVELS),
  draft: z
    .object({
      content: z.string(),
      replyToMessageId: z.string().nullable(),
      attachments: z.array(z.unknown()),
      updatedAt: z.string(),
    })
    .nullable(),
});

const ProfileShape: z.ZodType<UserProfile> = z.object({
  userId: z.string(),
  blocked: z.array(z.object({ userId: z.string(), reason: z.string().nullable(), blockedAt: z.string() })),
  blockedBy: z.array(z.string()).optional(),
  push: z.object({ privatePreviews: z.boolean(), pushEnabled: z.boolean() }).optional(),
  language: z.string().optional(),
});

const NOTIFICATION_ID_PREFIX = 'ntf:';

const NotificationShape: z.ZodType<Notification> = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: z.string(),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    channel: z.string().nullable(),
    createdAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    readAt: z.string().nullable(),
  })
  .transform((n) => ({
    ...n,
    id: n.id.startsWith(NOTIFICATION_ID_PREFIX) ? n.id.slice(NOTIFICATION_ID_PREFIX.length) : n.id,
  }));

/** A pending or completed clientMessageId claim (see cosmos-claims.ts). */
export interface ClaimDoc {
  id: string;
  conversationId: string;
  docType: 'claim';
  senderId: string;
  clientMessageId: string;
  seq: number | null;
  owner: string;
  claimedAt: string;
  writeId: string;
  ttl?: number;
}

const ClaimShape: z.ZodType<ClaimDoc> = z.object({
  id: z.string(),
  conversationId: z.string(),
  docType: z.literal('claim'),
  senderId: z.string(),
  clientMessageId: z.string(),
  seq: z.number().nullable(),
  owner: z.string(),
  claimedAt: z.string(),
  writeId: z.string(),
  ttl: z.number().optional(),
});

// ---------------------------------------------------------------- kinds: schema + the docType that marks them

export interface DocKind<T> {
  /** The docType a document of this kind carries; undefined where its container holds no other kind under its ids. */
  readonly docType?: string;
  readonly schema: z.ZodType<T>;
}

export const CONVERSATION: DocKind<Conversation> = { docType: 'conversation', schema: ConversationShape };
export const MESSAGE: DocKind<Message> = { docType: 'message', schema: MessageShape };
export const CLAIM: DocKind<ClaimDoc> = { docType: 'claim', schema: ClaimShape };
export const MEMBERSHIP: DocKind<Membership> = { schema: MembershipShape };
export const PROFILE: DocKind<UserProfile> = { schema: ProfileShape };
export const NOTIFICATION: DocKind<Notification> = { docType: 'notification', schema: NotificationShape };

/** What every written document has: its id and the id of the write that produced it. */
export interface Doc {
  id: string;
  writeId: string;
}

/** A document as read: its domain value, its ETag (for IfMatch) and the writeId of the write that stored it. */
export interface Stored<T> {
  value: T;
  etag: string;
  writeId: string | undefined;
}

// ---------------------------------------------------------------- documents to write

export interface ConversationDoc extends Conversation, Doc {
  conversationId: string;
  docType: 'conversation';
}

export interface MessageDoc extends Message, Doc {
  docType: 'message';
}

export interface MembershipDoc extends Membership, Doc {}

export interface ProfileDoc extends UserProfile, Doc {}

export interface NotificationDoc extends Notification, Doc {
  docType: 'notification';
  ttl: number;
}

const copy = <T>(v: T): T => structuredClone(v);

export const conversationDoc = (c: Conversation): ConversationDoc => ({
  ...copy(c),
  conversationId: c.id,
  docType: 'conversation',
  writeId: randomUUID(),
});

export const messageDoc = (m: Message): MessageDoc => ({ ...copy(m), docType: 'message', writeId: randomUUID() });

export const membershipDoc = (m: Membership): MembershipDoc => ({
  ...copy(m),
  id: m.conversationId,
  writeId: randomUUID(),
});

export const profileDoc = (p: UserProfile): ProfileDoc => ({ ...copy(p), id: p.userId, writeId: randomUUID() });

export const notificationDocId = (id: string): string => `${NOTIFICATION_ID_PREFIX}${id}`;

export const notificationDoc = (n: Notification, ttl: number): NotificationDoc => ({
  ...copy(n),
  id: notificationDocId(n.id),
  docType: 'notification',
  ttl,
  writeId: randomUUID(),
});

/** Idempotency is per sender: the id names both, length-prefixed so no pair of values can spell another pair. */
export function claimIdOf(senderId: string, clientMessageId: string): string {
  const sender = encodeURIComponent(senderId);
  return `cmid:${sender.length}:${sender}:${encodeURIComponent(clientMessageId)}`;
}

/** The conversation's (and the inbox's) record of its newest message. */
export function previewRecord(m: Message): MessagePreview {
  return { id: m.id, seq: m.seq, senderId: m.senderId, type: m.type, preview: previewOf(m), createdAt: m.createdAt };
}
