import { z } from 'zod';
import { SENSITIVE_KINDS } from '../domain/content/sensitive.js';
import { EVENTS, type EventName } from '../domain/events.js';
import { LinkPreviewSchema } from '../domain/link-preview.js';
import {
  LocationSchema,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  MessageAttachmentSchema,
  SYSTEM_MESSAGE_TYPES,
} from '../domain/message.js';
import type { EventTable } from './wire.js';

// The native contract's event payloads (README "Realtime contract"): one object argument per event. Loose objects:
// a field added later is not a break, a field missing or mistyped is.

const Id = z.string().min(1);
const At = z.string().min(1).describe('ISO 8601 date-time');
const Seq = z.number().int().nonnegative();

export const MessageViewSchema = z
  .looseObject({
    id: Id.describe('{conversationId}.{seq}'),
    conversationId: Id,
    seq: Seq,
    senderId: Id,
    type: z.enum(MESSAGE_TYPES),
    content: z.string(),
    clientMessageId: Id.nullable(),
    replyToMessageId: Id.nullable(),
    mentions: z.array(Id),
    attachments: z.array(MessageAttachmentSchema),
    location: LocationSchema.nullable(),
    reactions: z.record(z.string(), z.array(Id)),
    isEdited: z.boolean(),
    isDeleted: z.boolean(),
    createdAt: At,
    status: z
      .enum(MESSAGE_STATUSES)
      .describe('for the viewer (README "Message status"); in events: as its sender sees it when the event is sent'),
    readAt: At.nullable().describe('when read (for the sender: the first reader)'),
    failureCode: z.string().nullable().describe('status failed: why, as a code (e.g. ATTACHMENT.INFECTED)'),
    failureReason: z.string().nullable().describe('status failed: why, in words for the sender'),
    moderation: z
      .object({ flagged: z.boolean(), reasons: z.array(z.string()) })
      .optional()
      .describe('set when the content pipeline flagged the text (profanity masked)'),
    formattedContent: z
      .string()
      .optional()
      .describe('the markdown subset of content as sanitized HTML (links rel="noopener noreferrer nofollow")'),
    isEncrypted: z
      .boolean()
      .optional()
      .describe(
        'true: sensitive data in content is masked; participants may reveal it (GET …/messages/{id}?reveal=true)',
      ),
    keyVersion: z.string().optional().describe('version of the key-encryption key of the sealed clear text'),
    redactions: z.array(z.enum(SENSITIVE_KINDS)).optional().describe('kinds of sensitive data masked in content'),
    metadata: z
      .object({
        linkPreviews: z
          .array(LinkPreviewSchema)
          .optional()
          .describe('previews of the first URLs (link-previews queue)'),
      })
      .optional()
      .describe('added after the message was stored'),
    systemMessageType: z
      .enum(SYSTEM_MESSAGE_TYPES)
      .optional()
      .describe('on system messages: what happened; render it from systemMessageData in the user’s language'),
    systemMessageData: z.record(z.string(), z.unknown()).optional().describe('the facts of a typed system message'),
  })
  .describe('Message');

export const NotificationSchema = z
  .looseObject({
    id: Id,
    kind: z.string(),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()),
    channel: z.string().nullable(),
    createdAt: At,
    userId: Id.optional().describe('absent on channel notifications'),
    acknowledgedAt: At.nullable().optional(),
    readAt: At.nullable().optional(),
  })
  .describe('Notification');

const callSignal = z.looseObject({ callId: Id, conversationId: Id, userId: Id, at: At });

/** Payload schema of every native event, by name (the one argument each event carries). */
export const NATIVE_PAYLOADS = {
  [EVENTS.messageReceived]: MessageViewSchema.extend({
    tempId: Id.nullable().describe('the sender’s clientMessageId'),
    suggestedResponses: z
      .array(z.string())
      .optional()
      .describe('the quick replies of the conversation’s active template (absent when it has none)'),
  }),
  [EVENTS.messageUpdated]: z.looseObject({ conversationId: Id, messageId: Id, seq: Seq, message: MessageViewSchema }),
  [EVENTS.messageDeleted]: z.looseObject({
    conversationId: Id,
    messageId: Id,
    seq: Seq,
    deletedBy: Id,
    forEveryone: z.boolean(),
    reason: z.literal('failed').optional().describe('set when a queued step rejected the message (status failed)'),
  }),
  [EVENTS.messageTranslated]: z
    .looseObject({
      conversationId: Id,
      messageId: Id,
      seq: Seq,
      language: z.string().describe('the recipient’s preferred language'),
      translatedContent: z.string(),
      detectedLanguage: z.string().nullable().describe('the language the message is written in, as detected'),
    })
    .describe('A new message in the recipient’s language (auto-translate opt-in); to that recipient only'),
  [EVENTS.reaction]: z.looseObject({
    conversationId: Id,
    messageId: Id,
    seq: Seq,
    userId: Id,
    reaction: z.string(),
    action: z.enum(['added', 'removed']),
    reactions: z.record(z.string(), z.array(Id)),
  }),
  [EVENTS.messageRead]: z.looseObject({ conversationId: Id, userId: Id, seq: Seq, readAt: At }),
  [EVENTS.messageDelivered]: z.looseObject({ conversationId: Id, userId: Id, seq: Seq, deliveredAt: At }),
  [EVENTS.typing]: z.looseObject({ conversationId: Id, userId: Id, isTyping: z.boolean() }),
  [EVENTS.userOnline]: z.looseObject({
    userId: Id,
    status: z.string().optional(),
    statusMessage: z.string().nullable().optional(),
  }),
  [EVENTS.userOffline]: z.looseObject({ userId: Id, lastSeen: At.nullable() }),
  [EVENTS.conversationUpdated]: z.looseObject({
    conversationId: Id,
    reason: z.string(),
    conversation: z.record(z.string(), z.unknown()).optional(),
    membership: z.record(z.string(), z.unknown()).optional(),
  }),
  [EVENTS.participantsChanged]: z.looseObject({
    conversationId: Id,
    added: z.array(z.looseObject({ userId: Id })).describe('participants (objects), kept for compatibility'),
    addedUserIds: z.array(Id).describe('the ids of `added`, consistent with `removed`'),
    removed: z.array(Id),
    changed: z.array(z.looseObject({ userId: Id })).optional(),
    by: Id,
  }),
  [EVENTS.incomingCall]: z.looseObject({
    callId: Id,
    conversationId: Id,
    callerId: Id,
    callType: z.enum(['audio', 'video']),
    startedAt: At,
  }),
  [EVENTS.callAccepted]: callSignal,
  [EVENTS.callDeclined]: callSignal,
  [EVENTS.callEnded]: callSignal,
  [EVENTS.receiveNotification]: NotificationSchema,
  [EVENTS.notificationAcknowledged]: z.looseObject({ notificationId: Id, acknowledgedAt: At.nullable() }),
  [EVENTS.notificationRead]: z.looseObject({ notificationId: Id, readAt: At.nullable() }),
  [EVENTS.notificationBatch]: z.looseObject({ notifications: z.array(NotificationSchema) }),
} satisfies Record<EventName, z.ZodType>;

type Payloads = typeof NATIVE_PAYLOADS;
export type NativePayload<K extends EventName> = z.output<Payloads[K]>;

/** A native event with its payload typed by its name (narrow on `target`). */
export type NativeEvent = { [K in EventName]: { target: K; payload: NativePayload<K> } }[EventName];

/** The native events as wire tables (one object argument each), per hub family. */
const NOTIFICATION_EVENTS: readonly EventName[] = [
  EVENTS.receiveNotification,
  EVENTS.notificationAcknowledged,
  EVENTS.notificationRead,
  EVENTS.notificationBatch,
];
const tableOf = (names: EventName[]): EventTable =>
  Object.fromEntries(names.map((n) => [n, z.tuple([NATIVE_PAYLOADS[n]])]));
const ALL = Object.keys(NATIVE_PAYLOADS) as EventName[];
export const NATIVE_EVENTS = {
  messaging: tableOf(ALL.filter((n) => !NOTIFICATION_EVENTS.includes(n))),
  notifications: tableOf(ALL.filter((n) => NOTIFICATION_EVENTS.includes(n))),
};

/** Validates a pushed payload against its event's schema; the typed event, or the problem. */
export function parseNative(
  target: EventName,
  payload: unknown,
): { ok: true; event: NativeEvent } | { ok: false; error: string } {
  const r = NATIVE_PAYLOADS[target].safeParse(payload);
  if (!r.success)
    return {
      ok: false,
      error: `${target}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  return { ok: true, event: { target, payload: r.data } as NativeEvent };
}
