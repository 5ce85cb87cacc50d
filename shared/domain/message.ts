import { z } from 'zod';
import type { SealedContent } from './content/cipher.js';
import type { SensitiveKind } from './content/sensitive.js';
import { LIMITS } from './limits.js';
import type { LinkPreview } from './link-preview.js';
import { HttpsUrlSchema } from './safe-input.js';
import { IdSchema, IsoDateSchema, QueryBoolean, QueryInt, UserIdSchema } from './schemas-common.js';

export const MESSAGE_TYPES = ['text', 'image', 'file', 'audio', 'location', 'system'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * What a system message says, so clients render it in their own language from `systemMessageData` instead of
 * showing `content` (the server's English rendering, kept for clients that do not know the type).
 */
export const SYSTEM_MESSAGE_TYPES = [
  'participant_added',
  'participant_removed',
  'participant_left',
  'role_changed',
  'title_changed',
  'conversation_created',
  'booking_created',
  'booking_confirmed',
  'booking_provider_en_route',
  'booking_started',
  'booking_completed',
  'booking_cancelled',
] as const;
export type SystemMessageType = (typeof SYSTEM_MESSAGE_TYPES)[number];

/** The sender id of messages the service itself posts (booking events, templates); never a participant. */
export const SYSTEM_SENDER = 'system';

export const ATTACHMENT_TYPES = ['image', 'document', 'audio', 'video'] as const;

export const AttachmentSchema = z
  .strictObject({
    id: IdSchema.optional(),
    type: z.enum(ATTACHMENT_TYPES),
    url: HttpsUrlSchema,
    fileName: z.string().min(1).max(255),
    mimeType: z
      .string()
      .min(3)
      .max(100)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must look like type/subtype'),
    size: z
      .number()
      .int()
      .nonnegative()
      .max(100 * 1024 * 1024),
    thumbnailUrl: HttpsUrlSchema.optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    durationSeconds: z.number().nonnegative().optional(),
    external: z.literal(true).optional().describe('always true: a link the client gave, not scanned, not sized'),
  })
  .describe('Attachment');

/**
 * An attachment as a message carries it. Uploaded ones (`id` set, no `external`) are filled in by the server from
 * the upload: `url`/`thumbnailUrl` are API paths (`/api/v1/messaging/attachments/{id}`) that redirect to a
 * short-lived read SAS for those who may see the message. Free-form ones keep the client's https URLs and are
 * marked `external: true`.
 */
export const MessageAttachmentSchema = z
  .object({
    id: z.string().optional(),
    type: z.enum(ATTACHMENT_TYPES),
    url: z.string().describe('https URL (external) or the API path of the upload (GET it with the bearer token)'),
    fileName: z.string(),
    mimeType: z.string(),
    size: z.number(),
    thumbnailUrl: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    durationSeconds: z.number().optional(),
    external: z.boolean().optional(),
    scanStatus: z.enum(['not_scanned', 'pending', 'clean', 'infected']).optional(),
    waveform: z.array(z.number()).optional().describe('audio: normalized peaks 0..1'),
  })
  .describe('MessageAttachment');
export type Attachment = z.infer<typeof MessageAttachmentSchema>;

/** `attachments: [{attachmentId}]` in a send: an upload of the sender's, filled in by the server. */
export const AttachmentRefSchema = z.strictObject({ attachmentId: IdSchema }).describe('AttachmentRef');
export type AttachmentRef = z.infer<typeof AttachmentRefSchema>;
export type AttachmentInput = z.infer<typeof AttachmentSchema> | AttachmentRef;
export const isAttachmentRef = (a: AttachmentInput): a is AttachmentRef => 'attachmentId' in a;

export const LocationSchema = z
  .strictObject({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().max(200).optional(),
  })
  .describe('Location');
export type Location = z.infer<typeof LocationSchema>;

/**
 * A message's delivery state for one viewer. For its sender: `sent` (stored), `delivered` (at least one other
 * participant's device has it), `read` (at least one other participant has read past it: the detail lists who),
 * `failed` (a queued step rejected it after it was stored: `failureCode`/`failureReason` say why). For any other
 * participant: `delivered`, or `read` once their own read mark passed it.
 */
export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Why a queued step rejected a stored message (e.g. `ATTACHMENT.INFECTED`), in words shown to its sender. */
export interface MessageFailure {
  code: string;
  reason: string;
  failedAt: string;
}

/** What moderation did to a message (profanity masked in `mask` mode). */
export interface Moderation {
  flagged: boolean;
  /** e.g. `profanity` */
  reasons: string[];
}

/** What background processing adds to a message after it is stored. */
export interface MessageMetadata {
  /** Link previews of the first URLs in the content (the link-previews queue). */
  linkPreviews?: LinkPreview[];
}

export interface EditRecord {
  content: string;
  editedAt: string;
}

export interface Message {
  id: string;
  conversationId: string;
  /** Gap-free, per-conversation order: 1, 2, 3, ... */
  seq: number;
  senderId: string;
  type: MessageType;
  content: string;
  clientMessageId: string | null;
  replyToMessageId: string | null;
  mentions: string[];
  attachments: Attachment[];
  location: Location | null;
  /** emoji -> user ids, each (user, emoji) at most once. */
  reactions: Record<string, string[]>;
  isEdited: boolean;
  editedAt: string | null;
  editHistory: EditRecord[];
  isDeleted: boolean;
  deletedAt: string | null;
  deletedBy: string | null;
  /** Users who deleted this message "for me". Never shown to clients. */
  hiddenFor: string[];
  createdAt: string;
  /** Set on a copy made by forwarding (absent otherwise). */
  isForwarded?: boolean;
  /** The id of the message this copy was forwarded from (the first one of a chain); the only trace of its origin. */
  forwardedFromId?: string;
  /** On system messages the service posts: what happened (absent on messages users send). */
  systemMessageType?: SystemMessageType;
  /** The facts of a typed system message (who, what), as JSON. */
  systemMessageData?: Record<string, unknown>;
  /** Seconds Cosmos keeps the document (retention); absent = forever. */
  ttl?: number;
  /** Added after the message was stored (link previews); absent until then. */
  metadata?: MessageMetadata;
  /** Outbox marker: set when the send stores it, cleared once its message-events job ran. Never shown to clients. */
  pendingSince?: string;
  /** Set when a queued step rejected the message after it was stored (shown as status `failed`). */
  failure?: MessageFailure;
  /** Set when the content pipeline flagged the text (absent: nothing to report). */
  moderation?: Moderation;
  /** The text's markdown subset as sanitized HTML (CONTENT_MARKDOWN); absent for messages without text. */
  formattedContent?: string;
  /** Sensitive data in `content` is masked; its clear text is in `sealed`, encrypted at rest. */
  isEncrypted?: boolean;
  /** The version of the key-encryption key that wraps the conversation data key `sealed` is encrypted with. */
  keyVersion?: string;
  /** The kinds of sensitive data masked in `content` (card, ssn, iban, secret). */
  redactions?: SensitiveKind[];
  /** The clear text of the masked content, AES-256-GCM. Never shown to clients (only its reveal, to participants). */
  sealed?: SealedContent;
}

/** Where a viewer stands with a message (see MESSAGE_STATUSES); `readAt` when read (for the sender: the first reader's mark). */
export interface ViewerState {
  status: Exclude<MessageStatus, 'failed'>;
  readAt: string | null;
}

/** A message as clients see it. */
export type MessageView = Omit<Message, 'hiddenFor' | 'ttl' | 'pendingSince' | 'failure' | 'sealed'> & {
  status: MessageStatus;
  readAt: string | null;
  failureCode: string | null;
  failureReason: string | null;
};

// ---- inputs ----

export const ClientMessageIdSchema = IdSchema.describe(
  'Client-chosen id that makes send idempotent; echoed back as tempId',
);

export const SendMessageBodySchema = z
  .strictObject({
    content: z
      .string()
      .max(LIMITS.messageContentChars, `content is limited to ${LIMITS.messageContentChars} characters`)
      .default(''),
    type: z.enum(MESSAGE_TYPES).default('text'),
    clientMessageId: ClientMessageIdSchema.optional(),
    replyToMessageId: IdSchema.optional(),
    mentions: z.array(UserIdSchema).max(LIMITS.mentionsPerMessage).optional(),
    attachments: z
      .array(z.union([AttachmentRefSchema, AttachmentSchema]))
      .max(LIMITS.attachmentsPerMessage)
      .optional()
      .describe('uploads by id ({attachmentId}) and/or free-form https links (kept as external: true)'),
    location: LocationSchema.optional(),
  })
  .describe('SendMessageBody');
export type SendMessageBody = z.infer<typeof SendMessageBodySchema>;

export const EditMessageBodySchema = z
  .strictObject({
    content: z
      .string()
      .trim()
      .min(1, 'content must not be empty')
      .max(LIMITS.messageContentChars, `content is limited to ${LIMITS.messageContentChars} characters`),
  })
  .describe('EditMessageBody');

export const ForwardBodySchema = z
  .strictObject({
    conversationIds: z.array(IdSchema).min(1).max(LIMITS.forwardTargetsMax),
  })
  .describe('ForwardBody');

export const ReactionBodySchema = z
  .strictObject({
    reaction: z
      .string()
      .trim()
      .min(1)
      .max(LIMITS.reactionChars)
      // why: JSON-validating stores drop an own "__proto__" key, so that reaction could not be kept
      .refine((r) => r !== '__proto__', 'the reaction "__proto__" is reserved'),
  })
  .describe('ReactionBody');

export const MarkReadBodySchema = z.strictObject({ seq: z.number().int().nonnegative() }).describe('MarkReadBody');

/** `before`/`after` take a seq (digits) or a message id. */
const Cursor = z
  .string()
  .min(1)
  .max(LIMITS.idChars * 2);

export const ListMessagesQuerySchema = z
  .strictObject({
    before: Cursor.optional(),
    after: Cursor.optional(),
    afterSeq: QueryInt(0, Number.MAX_SAFE_INTEGER).optional(),
    beforeSeq: QueryInt(1, Number.MAX_SAFE_INTEGER).optional(),
    limit: QueryInt(1, LIMITS.messagesPerPageMax).default(50),
    includeDeleted: QueryBoolean.default(false),
  })
  .describe('ListMessagesQuery');
export type ListMessagesQuery = z.infer<typeof ListMessagesQuerySchema>;

export const MessageDetailQuerySchema = z
  .strictObject({
    reveal: QueryBoolean.default(false).describe(
      'true: the clear text of masked sensitive data (participants only; every reveal is audited)',
    ),
  })
  .describe('MessageDetailQuery');

export const DeleteMessageQuerySchema = z
  .strictObject({ forEveryone: QueryBoolean.default(false) })
  .describe('DeleteMessageQuery');

export const SearchQuerySchema = z
  .strictObject({
    query: z.string().trim().min(1, 'query must not be empty').max(200),
    conversationId: IdSchema.optional(),
    startDate: IsoDateSchema.or(z.iso.date()).optional(),
    endDate: IsoDateSchema.or(z.iso.date()).optional(),
    limit: QueryInt(1, LIMITS.searchResultsMax).default(50),
  })
  .describe('SearchQuery');
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

export const MessageParamsSchema = z.strictObject({ conversationId: IdSchema, messageId: IdSchema });

export const DraftBodySchema = z
  .strictObject({
    content: z.string().max(LIMITS.messageContentChars),
    replyToMessageId: IdSchema.nullable().optional(),
    attachments: z.array(AttachmentSchema).max(LIMITS.attachmentsPerMessage).optional(),
  })
  .describe('DraftBody');

export const BlockBodySchema = z
  .strictObject({ userId: UserIdSchema, reason: z.string().max(500).optional() })
  .describe('BlockBody');
