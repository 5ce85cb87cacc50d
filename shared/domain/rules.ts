import { createHash } from 'node:crypto';
import type { Conversation, Membership, Participant, Role } from './conversation.js';
import { forbidden, invalid, notFound } from './errors.js';
import { LIMITS } from './limits.js';
import type { Message, MessageView, ViewerState } from './message.js';

/** A message id names its conversation and its seq, so a seq can only ever be taken once (the store's create conflicts). */
export const messageIdOf = (conversationId: string, seq: number): string => `${conversationId}.${seq}`;

/** The seq inside a message id of this conversation, or null when the id is not one of its messages. */
export function seqOfMessageId(conversationId: string, messageId: string): number | null {
  const prefix = `${conversationId}.`;
  if (!messageId.startsWith(prefix)) return null;
  const rest = messageId.slice(prefix.length);
  return /^[1-9]\d{0,15}$/.test(rest) ? Number(rest) : null;
}

/** The same two users always get the same direct conversation id, so "create" finds the existing one. */
export function directConversationId(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return `dm_${createHash('sha256').update(`${x}\u0000${y}`).digest('hex').slice(0, 32)}`;
}

/** Retention in days by business category; null keeps messages until someone deletes them. */
export function retentionDaysFor(
  category: string | null,
  byCategory: Record<string, number | null>,
  fallback: number | null,
): number | null {
  // why: categories are chosen by clients; "constructor" must not find Object.prototype's
  if (category !== null && Object.hasOwn(byCategory, category)) return byCategory[category] ?? null;
  return fallback;
}

export const DEFAULT_RETENTION_DAYS: Record<string, number> = {
  'customer-support': 180,
  'customer-driver': 30,
};

export function previewOf(
  message: Pick<Message, 'type' | 'content' | 'attachments' | 'isDeleted'> & Pick<Partial<Message>, 'failure'>,
): string {
  if (message.isDeleted) return 'Message deleted';
  if (message.failure) return 'Message removed';
  const text = message.content.trim();
  if (text.length > 0) return text.length > LIMITS.previewChars ? `${text.slice(0, LIMITS.previewChars - 1)}…` : text;
  switch (message.type) {
    case 'image':
      return '📷 Photo';
    case 'file':
      return `📎 ${message.attachments[0]?.fileName ?? 'File'}`;
    case 'audio':
      return '🎤 Voice message';
    case 'location':
      return '📍 Location';
    case 'text':
    case 'system':
      return '';
  }
}

export const unreadCount = (m: Pick<Membership, 'lastSeq' | 'lastReadSeq' | 'goneSeqs'>): number =>
  Math.max(0, m.lastSeq - m.lastReadSeq - (m.goneSeqs ?? []).filter((s) => s > m.lastReadSeq && s <= m.lastSeq).length);

export function participantOf(conversation: Conversation, userId: string): Participant | undefined {
  return conversation.participants.find((p) => p.userId === userId);
}

/** Not a participant: answer 404 so nobody learns which conversations exist. */
export function requireParticipant(conversation: Conversation | null, userId: string): Participant {
  const p = conversation ? participantOf(conversation, userId) : undefined;
  if (!p) throw notFound('Conversation');
  return p;
}

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };
export const atLeast = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

export function requireRole(p: Participant, needed: Role, action: string): void {
  if (!atLeast(p.role, needed)) throw forbidden(`only a conversation ${needed} can ${action}`, 'ROLE.REQUIRED');
}

/** The state of a message just stored, as its sender sees it (and as a new message is broadcast). */
export const SENT: ViewerState = { status: 'sent', readAt: null };

/**
 * A message as its reader may see it, with its status for that reader: hidden-for-me messages are gone, deleted ones
 * lose their content, failed ones show their failure (whatever the receipts say).
 */
export function viewOf(message: Message, state: ViewerState = SENT): MessageView {
  const { hiddenFor: _h, ttl: _t, pendingSince: _p, sealed: _s, failure, ...rest } = message;
  const view: MessageView = {
    ...rest,
    ...(failure ? { status: 'failed', readAt: null } : state),
    failureCode: failure?.code ?? null,
    failureReason: failure?.reason ?? null,
  };
  if (!message.isDeleted) return view;
  const { formattedContent: _f, redactions: _r, ...kept } = view;
  return { ...kept, content: '', attachments: [], location: null, mentions: [], editHistory: [] };
}

/** How far one participant has read and received, and where their stay began (receipts are per member). */
export interface ReceiptMark {
  readSeq: number;
  readAt: string | null;
  deliveredSeq: number;
  joinedSeq: number;
}

/**
 * A message's status for a viewer (MESSAGE_STATUSES), from read/delivered positions alone: no per-message read.
 * `own` is the viewer's mark, `others` the other participants' (only needed for the viewer's own messages).
 */
export function viewerStateOf(
  message: Pick<Message, 'seq' | 'senderId'>,
  viewerId: string,
  own: ReceiptMark | null,
  others: readonly ReceiptMark[],
): ViewerState {
  if (message.senderId !== viewerId)
    return own !== null && own.readSeq >= message.seq
      ? { status: 'read', readAt: own.readAt }
      : { status: 'delivered', readAt: null };
  // why: a member who joined after the message never got it, whatever their marks say
  const members = others.filter((m) => m.joinedSeq < message.seq);
  const readers = members.filter((m) => m.readSeq >= message.seq);
  if (readers.length > 0) {
    const times = readers.flatMap((r) => (r.readAt === null ? [] : [r.readAt])).sort();
    return { status: 'read', readAt: times[0] ?? null };
  }
  return members.some((m) => m.deliveredSeq >= message.seq) ? { status: 'delivered', readAt: null } : SENT;
}

/** The seq a participant's current stay began at: they see only messages above it (0 = the whole history). */
export const joinedSeqOf = (p: { joinedSeq?: number } | null | undefined): number => p?.joinedSeq ?? 0;

/** Sent while the viewer was in the conversation (their current stay): not before they joined or were re-added. */
export const inStayOf = (message: Pick<Message, 'seq'>, joinedSeq: number): boolean => message.seq > joinedSeq;

export const visibleTo = (message: Message, userId: string): boolean => !message.hiddenFor.includes(userId);

/** What a reader is shown: not hidden for them, and a failed message only to its sender (the others lose it). */
export const shownTo = (message: Message, userId: string): boolean =>
  visibleTo(message, userId) && (message.failure === undefined || message.senderId === userId);

/** What a send of this type must carry. */
export function checkMessageShape(input: {
  type: Message['type'];
  content: string;
  attachments?: unknown[];
  location?: unknown;
}): void {
  const hasText = input.content.trim().length > 0;
  const hasFiles = (input.attachments?.length ?? 0) > 0;
  switch (input.type) {
    case 'text':
    case 'system':
      if (!hasText) throw invalid(`a ${input.type} message needs non-empty content`, 'MESSAGE.EMPTY');
      return;
    case 'image':
    case 'file':
    case 'audio':
      if (!hasFiles)
        throw invalid(`a ${input.type} message needs at least one attachment`, 'MESSAGE.ATTACHMENT_REQUIRED');
      return;
    case 'location':
      if (input.location === undefined)
        throw invalid('a location message needs a location', 'MESSAGE.LOCATION_REQUIRED');
      return;
  }
}
