import type { Conversation, Membership, Participant } from './conversation.js';
import type { Attachment, Location, Message, MessageType, SystemMessageType } from './message.js';

/** A participant's inbox entry when they join: everything before it counts as read and delivered. */
export function newMembership(conversation: Conversation, p: Participant, now: string): Membership {
  return {
    userId: p.userId,
    conversationId: conversation.id,
    conversationType: conversation.type,
    role: p.role,
    joinedAt: p.joinedAt,
    ...(p.joinedSeq !== undefined && { joinedSeq: p.joinedSeq }),
    lastSeq: conversation.lastSeq,
    lastReadSeq: conversation.lastSeq,
    lastReadAt: null,
    lastDeliveredSeq: conversation.lastSeq,
    lastActivityAt: now,
    muted: false,
    mutedUntil: null,
    archived: false,
    pinned: false,
    notificationLevel: 'all',
    draft: null,
  };
}

export interface NewMessageInput {
  conversationId: string;
  senderId: string;
  type: MessageType;
  content: string;
  clientMessageId?: string;
  replyToMessageId?: string;
  mentions?: string[];
  attachments?: Attachment[];
  location?: Location;
  createdAt: string;
  /** Makes the message a forwarded copy of this message id. */
  forwardedFromId?: string;
  /** The conversation's retention; null keeps the message until someone deletes it. */
  retentionDays: number | null;
  systemMessageType?: SystemMessageType;
  systemMessageData?: Record<string, unknown>;
}

/** A message as first stored, before the store gives it a seq and an id: no reactions, edits or deletions yet. */
export function newMessage(input: NewMessageInput): Omit<Message, 'id' | 'seq'> {
  return {
    conversationId: input.conversationId,
    senderId: input.senderId,
    type: input.type,
    content: input.content,
    clientMessageId: input.clientMessageId ?? null,
    replyToMessageId: input.replyToMessageId ?? null,
    mentions: [...new Set(input.mentions ?? [])],
    attachments: input.attachments ?? [],
    location: input.location ?? null,
    reactions: {},
    isEdited: false,
    editedAt: null,
    editHistory: [],
    isDeleted: false,
    deletedAt: null,
    deletedBy: null,
    hiddenFor: [],
    createdAt: input.createdAt,
    ...(input.forwardedFromId !== undefined && { isForwarded: true, forwardedFromId: input.forwardedFromId }),
    ...(input.systemMessageType !== undefined && {
      systemMessageType: input.systemMessageType,
      systemMessageData: input.systemMessageData ?? {},
    }),
    ...(input.retentionDays !== null && { ttl: input.retentionDays * 86_400 }),
  };
}
