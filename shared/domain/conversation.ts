import { z } from 'zod';
import type { BookingState } from './booking.js';
import { LIMITS } from './limits.js';
import { boundedJsonObject, HttpsUrlSchema } from './safe-input.js';
import { IdSchema, IsoDateSchema, QueryBoolean, QueryInt, UserIdSchema } from './schemas-common.js';

export const CONVERSATION_TYPES = ['direct', 'group', 'booking', 'system'] as const;
export type ConversationType = (typeof CONVERSATION_TYPES)[number];

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const NOTIFICATION_LEVELS = ['all', 'mentions', 'none'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

export interface Participant {
  userId: string;
  role: Role;
  joinedAt: string;
  /**
   * The conversation's lastSeq when this stay began: the participant sees only seqs above it ("no history before
   * joining", also after a re-add). Absent (the creators of a conversation, older documents) = 0: everything.
   */
  joinedSeq?: number;
}

/** What the inbox and the conversation show of the newest message. */
export interface MessagePreview {
  id: string;
  seq: number;
  senderId: string;
  type: string;
  preview: string;
  createdAt: string;
}

export interface Conversation {
  id: string;
  type: ConversationType;
  title: string | null;
  description: string | null;
  imageUrl: string | null;
  bookingId: string | null;
  /** Business category, e.g. customer-support or customer-driver; it decides the retention. */
  category: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  participants: Participant[];
  /** Highest seq allocated so far; every seq 1..lastSeq exists. */
  lastSeq: number;
  lastMessage: MessagePreview | null;
  lastMessageAt: string | null;
  /** Days a message is kept; null keeps messages until deleted. */
  retentionDays: number | null;
  settings: Record<string, unknown>;
  /** Participants who opted in to auto-translation here (POST …/auto-translate). Never shown to clients. */
  autoTranslate?: string[];
  /** The template the conversation was made from (its initial message, quick replies, booking texts). */
  templateId?: string | null;
  /** Quick replies clients offer in this conversation: its template's, while that template is active. */
  suggestedResponses?: string[];
  /** Booking conversations: the newest booking event handled (ordering and dedupe of the booking-events queue). */
  booking?: BookingState;
}

export interface Draft {
  content: string;
  replyToMessageId: string | null;
  attachments: unknown[];
  updatedAt: string;
}

/** One user's view of one conversation: the inbox entry. */
export interface Membership {
  userId: string;
  conversationId: string;
  conversationType: ConversationType;
  role: Role;
  joinedAt: string;
  /** Copy of the participant's joinedSeq: messages at or below it are not this member's (search, unread). */
  joinedSeq?: number;
  /** Copy of the conversation's lastSeq, moved forward on every send (unread = lastSeq - lastReadSeq). */
  lastSeq: number;
  lastReadSeq: number;
  /** Seqs above lastReadSeq the user will never see (deleted for everyone or hidden for them): not unread. */
  goneSeqs?: number[];
  lastReadAt: string | null;
  lastDeliveredSeq: number;
  lastActivityAt: string;
  muted: boolean;
  mutedUntil: string | null;
  archived: boolean;
  pinned: boolean;
  notificationLevel: NotificationLevel;
  draft: Draft | null;
}

export interface Block {
  userId: string;
  reason: string | null;
  blockedAt: string;
}

/** Per-user settings that are not tied to one conversation. */
export interface UserProfile {
  userId: string;
  blocked: Block[];
  /** Who blocks this user (reverse index of their `blocked`), so one read answers "any block either way". */
  blockedBy?: string[];
  /** Push notification preferences (PUT /v1/messaging/preferences); absent = the defaults. */
  push?: { privatePreviews: boolean; pushEnabled: boolean };
  /** Preferred language (PUT /v1/messaging/preferences): auto-translation targets it. Absent = none. */
  language?: string;
}

// ---- inputs ----

export const CreateConversationBodySchema = z
  .strictObject({
    type: z.enum(CONVERSATION_TYPES).default('direct'),
    participants: z
      .array(UserIdSchema)
      .min(1, 'at least one other participant is required')
      .max(LIMITS.participantsPerRequest),
    title: z.string().trim().min(1).max(LIMITS.titleChars).optional(),
    description: z.string().max(LIMITS.descriptionChars).optional(),
    imageUrl: HttpsUrlSchema.optional(),
    bookingId: IdSchema.optional(),
    category: IdSchema.optional().describe('e.g. customer-support (180-day retention) or customer-driver (30 days)'),
    initialMessage: z.string().trim().min(1).max(LIMITS.messageContentChars).optional(),
    templateId: IdSchema.optional().describe(
      'an active template (not of type booking): the conversation starts with its initial message and offers its suggested responses',
    ),
    settings: boundedJsonObject().optional(),
  })
  .describe('CreateConversationBody');
export type CreateConversationBody = z.infer<typeof CreateConversationBodySchema>;

export const UpdateConversationBodySchema = z
  .strictObject({
    title: z.string().trim().min(1).max(LIMITS.titleChars).nullable().optional(),
    description: z.string().max(LIMITS.descriptionChars).nullable().optional(),
    imageUrl: HttpsUrlSchema.nullable().optional(),
    category: IdSchema.nullable()
      .optional()
      .describe('business category; its retention applies to messages sent from now on (older ones keep theirs)'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of title, description, imageUrl, category')
  .describe('UpdateConversationBody');
export type UpdateConversationBody = z.infer<typeof UpdateConversationBodySchema>;

export const AddParticipantsBodySchema = z
  .strictObject({
    userIds: z.array(UserIdSchema).min(1).max(LIMITS.participantsPerRequest),
    role: z.enum(['admin', 'member']).default('member'),
  })
  .describe('AddParticipantsBody');

export const RemoveParticipantBodySchema = z.strictObject({ userId: UserIdSchema }).describe('RemoveParticipantBody');

export const ChangeRoleBodySchema = z
  .strictObject({ userId: UserIdSchema, role: z.enum(['admin', 'member']) })
  .describe('ChangeRoleBody');

export const MuteBodySchema = z
  .strictObject({ muted: z.boolean(), until: IsoDateSchema.nullable().optional() })
  .describe('MuteBody');

export const ArchiveBodySchema = z.strictObject({ archived: z.boolean() }).describe('ArchiveBody');
export const PinBodySchema = z.strictObject({ pinned: z.boolean() }).describe('PinBody');
export const NotificationLevelBodySchema = z
  .strictObject({ level: z.enum(NOTIFICATION_LEVELS) })
  .describe('NotificationLevelBody');

export const InboxQuerySchema = z
  .strictObject({
    type: z.enum(['all', ...CONVERSATION_TYPES]).default('all'),
    archived: QueryBoolean.default(false),
    page: QueryInt(1, 10_000).optional(),
    pageSize: QueryInt(1, LIMITS.pageSizeMax).default(20),
    continuationToken: z.string().min(1).max(4096).optional(),
  })
  .refine(
    (q) => !(q.page !== undefined && q.continuationToken !== undefined),
    'use either page or continuationToken, not both',
  )
  .describe('InboxQuery');
export type InboxQuery = z.infer<typeof InboxQuerySchema>;

export const ConversationIdParamsSchema = z.strictObject({ conversationId: IdSchema });
