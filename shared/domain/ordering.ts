/**
 * Orders the product shows, written once. The memory adapter sorts with these; the Cosmos adapter asks the database
 * for the same order (its ORDER BY clauses name these functions) and uses them for anything it sorts or merges itself.
 */
import type { Membership } from './conversation.js';
import type { Message } from './message.js';
import type { Notification } from './notification.js';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Inbox: pinned first, then newest activity first; the conversation id breaks ties so pages are stable. */
export function inboxOrder(
  a: Pick<Membership, 'pinned' | 'lastActivityAt' | 'conversationId'>,
  b: Pick<Membership, 'pinned' | 'lastActivityAt' | 'conversationId'>,
): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.lastActivityAt !== b.lastActivityAt) return byText(b.lastActivityAt, a.lastActivityAt);
  return byText(a.conversationId, b.conversationId);
}

/** Search results: newest first; within one instant the higher seq first. */
export function searchOrder(a: Pick<Message, 'createdAt' | 'seq'>, b: Pick<Message, 'createdAt' | 'seq'>): number {
  if (a.createdAt !== b.createdAt) return byText(b.createdAt, a.createdAt);
  return b.seq - a.seq;
}

/** Notifications: newest first; within one instant the greater id first. */
export function notificationOrder(
  a: Pick<Notification, 'createdAt' | 'id'>,
  b: Pick<Notification, 'createdAt' | 'id'>,
): number {
  if (a.createdAt !== b.createdAt) return byText(b.createdAt, a.createdAt);
  return byText(b.id, a.id);
}
