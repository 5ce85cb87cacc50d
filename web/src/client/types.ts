// Wire shapes of the backend's `native` contract (README "HTTP API" and "Realtime contract"; the full schemas are at
// /api/openapi.json and /api/asyncapi.json). Fields a newer backend adds are optional here, so an older one still fits.

export type MessageType = 'text' | 'image' | 'file' | 'audio' | 'location' | 'system';
export type Role = 'owner' | 'admin' | 'member';
export type ConversationType = 'direct' | 'group' | 'booking' | 'support' | (string & {});
export type PresenceStatus = 'online' | 'away' | 'busy' | 'offline';

export interface Attachment {
  /** Uploads through the attachments API: their id; `url`/`thumbnailUrl` are then API paths, not public URLs. */
  id?: string;
  attachmentId?: string;
  type?: 'image' | 'document' | 'audio' | 'video' | (string & {});
  url?: string;
  thumbnailUrl?: string | null;
  fileName?: string;
  mimeType?: string;
  size?: number;
  width?: number;
  height?: number;
  durationSeconds?: number;
  /** Normalized peaks (0..1) of a voice note. */
  waveform?: number[];
  external?: boolean;
  scanStatus?: string;
  metadata?: Record<string, unknown>;
}

export interface LinkPreview {
  url: string;
  title?: string | null;
  description?: string | null;
  imageUrl?: string | null;
  siteName?: string | null;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  type: MessageType;
  content: string;
  clientMessageId: string | null;
  replyToMessageId: string | null;
  mentions: string[];
  attachments: Attachment[];
  reactions: Record<string, string[]>;
  isEdited: boolean;
  editedAt?: string | null;
  isDeleted: boolean;
  createdAt: string;
  isForwarded?: boolean;
  forwardedFromId?: string | null;
  /** Content pipeline: sensitive parts are masked in `content`; `?reveal=true` returns the original. */
  isEncrypted?: boolean;
  /** Kinds of sensitive data masked in `content` (e.g. `card`, `secret`). */
  redactions?: string[];
  /** Set when the pipeline flagged the text (profanity masked). */
  moderation?: { flagged: boolean; reasons: string[] };
  /** Location messages (`type: "location"`). */
  location?: { latitude: number; longitude: number; name?: string } | null;
  /** Sanitized HTML of the markdown subset, made by the server. */
  formattedContent?: string | null;
  metadata?: { linkPreviews?: LinkPreview[]; [key: string]: unknown } | null;
  systemMessageType?: string | null;
  systemMessageData?: Record<string, unknown> | null;
  /** The viewer's status (README "Message status"): for the sender, `read` = at least one other read it. */
  status?: 'sent' | 'delivered' | 'read' | 'failed';
  readAt?: string | null;
  /** status failed: a queued step rejected it after it was stored (e.g. ATTACHMENT.INFECTED); only its sender sees it. */
  failureCode?: string | null;
  failureReason?: string | null;
  /** On OnMessageReceived: the sender's clientMessageId. */
  tempId?: string | null;
  /** On OnMessageReceived in a booking conversation: the quick replies of its active template. */
  suggestedResponses?: string[];
}

export interface Participant {
  userId: string;
  role: Role;
  joinedAt: string;
  joinedSeq?: number;
}

export interface LastMessage {
  id: string;
  seq: number;
  senderId: string;
  type: MessageType;
  preview: string;
  createdAt: string;
}

/** One inbox entry of GET /conversations. */
export interface InboxEntry {
  conversationId: string;
  type: ConversationType;
  title: string | null;
  imageUrl: string | null;
  bookingId: string | null;
  category: string | null;
  participants: Participant[];
  lastMessage: LastMessage | null;
  lastMessageAt: string | null;
  lastActivityAt: string;
  lastSeq: number;
  lastReadSeq: number;
  unreadCount: number;
  role: Role;
  isMuted: boolean;
  mutedUntil: string | null;
  isArchived: boolean;
  isPinned: boolean;
  notificationLevel: string;
  hasDraft: boolean;
}

export interface Inbox {
  conversations: InboxEntry[];
  unreadTotal: number;
  hasMore: boolean;
  continuationToken: string | null;
}

export interface Conversation {
  id: string;
  conversationId: string;
  type: ConversationType;
  title: string | null;
  description: string | null;
  imageUrl: string | null;
  bookingId: string | null;
  category: string | null;
  createdBy: string;
  participants: Participant[];
  lastSeq: number;
  /** Booking conversations: the active template's suggested replies (issue "Retention & booking"). */
  suggestedResponses?: string[];
  [key: string]: unknown;
}

export interface Membership {
  userId: string;
  conversationId: string;
  role: Role;
  lastSeq: number;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  muted: boolean;
  archived: boolean;
  pinned: boolean;
  notificationLevel: string;
}

export interface ConversationDetail {
  conversation: Conversation;
  participants: Participant[];
  membership: Membership;
  suggestedResponses?: string[];
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
  oldestSeq: number | null;
  newestSeq: number | null;
  lastSeq: number;
}

export interface Receipt {
  messageId: string;
  conversationId: string;
  seq: number;
  readBy: { userId: string; readAt: string }[];
}

export interface Draft {
  content: string;
  replyToMessageId: string | null;
  updatedAt: string;
}

export interface Presence {
  userId: string;
  status: PresenceStatus;
  statusMessage: string | null;
  isOnline: boolean;
  lastSeen: string | null;
}

export interface UploadedAttachment {
  attachmentId: string;
  url?: string;
  thumbnailUrl?: string | null;
  waveform?: number[];
  metadata?: Record<string, unknown>;
}

export interface SendInput {
  conversationId: string;
  content: string;
  clientMessageId: string;
  type?: MessageType;
  replyToMessageId?: string;
  mentions?: string[];
  attachments?: { attachmentId: string }[];
}

/** Server → client events of hub `messaging`, each with its one object argument. */
export interface ServerEvents {
  OnMessageReceived: Message;
  OnMessageUpdated: { conversationId: string; messageId: string; seq: number; message: Message };
  OnMessageDeleted: {
    conversationId: string;
    messageId: string;
    seq: number;
    deletedBy: string;
    forEveryone: boolean;
    /** 'failed': a queued step rejected the message; it is gone for everyone but its sender. */
    reason?: string;
  };
  OnReaction: {
    conversationId: string;
    messageId: string;
    seq: number;
    userId: string;
    reaction: string;
    action: 'added' | 'removed';
    reactions: Record<string, string[]>;
  };
  OnMessageRead: { conversationId: string; userId: string; seq: number; readAt: string };
  OnMessageDelivered: { conversationId: string; userId: string; seq: number; deliveredAt: string };
  OnTypingIndicator: { conversationId: string; userId: string; isTyping: boolean };
  UserOnline: { userId: string; status?: string; statusMessage?: string | null };
  UserOffline: { userId: string; lastSeen: string | null };
  ConversationUpdated: { conversationId: string; reason: string; conversation?: Record<string, unknown> };
  OnParticipantsChanged: {
    conversationId: string;
    addedUserIds: string[];
    removed: string[];
    by: string;
  };
}
