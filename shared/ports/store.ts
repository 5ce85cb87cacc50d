import type { Conversation, ConversationType, Membership, UserProfile } from '../domain/conversation.js';
import type { Message } from '../domain/message.js';

/** A message before the store gave it a seq and an id. */
export type NewMessage = Omit<Message, 'id' | 'seq'>;

export interface AppendResult {
  message: Message;
  /** false when the clientMessageId was seen before and this is the first message again. */
  created: boolean;
}

export interface MembershipPage {
  items: Membership[];
  continuationToken: string | null;
}

export interface MembershipFilter {
  type?: ConversationType;
  archived?: boolean;
}

/** Return a changed copy, or null to leave the document as it is. */
export type Mutation<T> = (current: T) => T | null;

/**
 * Durable state of conversations, messages, memberships (inboxes) and user profiles.
 * Adapters: memory (embedded default, tests) and cosmos.
 */
export interface ConversationStore {
  /** Creates the conversation and its memberships; if the id exists already, returns it with created=false. */
  createConversation(
    conversation: Conversation,
    memberships: Membership[],
  ): Promise<{ conversation: Conversation; created: boolean }>;
  getConversation(conversationId: string): Promise<Conversation | null>;
  /** The current lastSeq of each conversation that exists, in one round trip (exact unread counts). */
  lastSeqs(conversationIds: string[]): Promise<Record<string, number>>;
  /** Read-modify-write with optimistic concurrency (retried on conflict). Throws not_found if absent. */
  updateConversation(conversationId: string, mutate: Mutation<Conversation>): Promise<Conversation>;

  /**
   * Gives the message the next seq of its conversation and stores it, atomically: seqs are 1..N with no gap and
   * no duplicate under any concurrency. With a clientMessageId this sender already used in this conversation it
   * stores nothing and returns the first message (the key is conversation + sender + clientMessageId, so another
   * member's id never swallows a send). Also moves the conversation's lastSeq / lastMessage forward.
   */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** The message this sender stored under this clientMessageId in the conversation, or null: a keyed read, no scan. */
  findByClientMessageId(conversationId: string, senderId: string, clientMessageId: string): Promise<Message | null>;
  getMessage(conversationId: string, messageId: string): Promise<Message | null>;
  /** Messages by seq: ascending after `afterSeq`, or the newest ones before `beforeSeq` (returned ascending). */
  listMessages(
    conversationId: string,
    range: { afterSeq?: number; beforeSeq?: number; limit: number },
  ): Promise<Message[]>;
  /** How many messages the same search matches in all, leaving out those `readerId` hid for themselves. */
  countSearchMatches(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; readerId: string },
  ): Promise<number>;
  updateMessage(conversationId: string, messageId: string, mutate: Mutation<Message>): Promise<Message>;
  /** Clears the message's outbox marker (`pendingSince`): its side effects are done. No-op when absent or cleared. */
  settleMessage(conversationId: string, messageId: string): Promise<void>;
  /** Messages, in any conversation, whose outbox marker is older than `olderThan` (the outbox sweep), oldest first. */
  listPendingMessages(olderThan: string, limit: number): Promise<Message[]>;
  /** Case-insensitive substring search in the given conversations, newest first. */
  searchMessages(
    conversationIds: string[],
    q: { text: string; from?: string; to?: string; limit: number },
  ): Promise<Message[]>;

  getMembership(userId: string, conversationId: string): Promise<Membership | null>;
  putMembership(membership: Membership): Promise<void>;
  /** Like updateConversation; returns null when there is no such membership. */
  updateMembership(userId: string, conversationId: string, mutate: Mutation<Membership>): Promise<Membership | null>;
  deleteMembership(userId: string, conversationId: string): Promise<void>;
  /**
   * After a send: moves each member's lastSeq and lastActivityAt forward to the message (never back), and the
   * sender's lastReadSeq too (clearing the sender's draft). Cheap and contention-free: no read-modify-write loops.
   */
  advanceMemberships(
    conversationId: string,
    userIds: string[],
    message: { seq: number; at: string; senderId: string },
  ): Promise<void>;
  /** One user's inbox, pinned first, then newest activity first. */
  listMemberships(
    userId: string,
    filter: MembershipFilter,
    page: { pageSize: number; continuationToken?: string },
  ): Promise<MembershipPage>;
  /** Every membership of the user (unread totals, search scope). */
  allMemberships(userId: string): Promise<Membership[]>;

  getProfile(userId: string): Promise<UserProfile>;
  updateProfile(userId: string, mutate: Mutation<UserProfile>): Promise<UserProfile>;

  // ---- retention (shared/app/retention.ts) ----
  /**
   * Capability: the database deletes a message whose `ttl` ran out by itself (Cosmos DB on Azure). false (memory,
   * the embedded Cosmos server): the retention sweep deletes expired messages itself.
   */
  readonly enforcesTtl: boolean;
  /** Conversations whose id sorts after `afterId`, in id order (the sweep's cursor), at most `limit`. */
  listConversationsAfter(afterId: string, limit: number): Promise<Conversation[]>;
  /** Messages created before `before`, oldest first, at most `limit`; `withAttachments`: only those listing some. */
  listMessagesBefore(
    conversationId: string,
    before: string,
    limit: number,
    opts?: { withAttachments?: boolean },
  ): Promise<Message[]>;
  /** Messages deleted for everyone that still list attachments (their blobs may still exist), at most `limit`. */
  listDeletedWithAttachments(conversationId: string, limit: number): Promise<Message[]>;
  /** Removes the messages and their idempotency claims; returns how many were there. */
  deleteMessages(conversationId: string, messages: Message[]): Promise<number>;
  /** Clears the conversation's last-message preview if it still shows `messageId`; true when it did. */
  clearLastMessage(conversationId: string, messageId: string): Promise<boolean>;
  /** Removes the conversation with whatever its partition still holds (memberships are removed one by one). */
  deleteConversation(conversationId: string): Promise<void>;
  /** Where the last retention sweep stopped (a conversation id), null at the start of a pass. */
  getRetentionCursor(): Promise<string | null>;
  putRetentionCursor(afterId: string | null): Promise<void>;
}
