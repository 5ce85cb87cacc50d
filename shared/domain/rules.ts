import { createHash } from 'node:crypto';
import type { Conversation, Membership, Participant, Role } from './conversation.js';
import { forbidden, invalid, notFound } from './errors.js';
import { LIMITS } from './limits.js';
import type { Message, MessageView } from './message.js';

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
  defaults: Record<string, number>,
  fallback: number | null,
): number | null {
  // why: categories are chosen by clients; "constructor" must not find Object.prototype's
  if (category !== null && Object.hasOwn(defaults, category)) return defaults[category] ?? fallback;
  return fallback;
}

export const DEFAULT_RETENTION_DAYS: Record<string, number> = {
  'customer-support': 180,
  'customer-driver': 30,
};

export function previewOf(message: Pick<Message, 'type' | 'content' | 'attachments' | 'isDeleted'>): string {
  if (message.isDeleted) return 'Message deleted';
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

/** A message as its reader may see it: hidden-for-me messages are gone, deleted ones lose their content. */
export function viewOf(message: Message): MessageView {
  const { hiddenFor: _h, ttl: _t, pendingSince: _p, sealed: _s, ...view } = message;
  if (!message.isDeleted) return view;
  const { formattedContent: _f, redactions: _r, ...rest } = view;
  return { ...rest, content: '', attachments: [], location: null, mentions: [], editHistory: [] };
}

/** The seq a participant's current stay began at: they see only messages above it (0 = the whole history). */
export const joinedSeqOf = (p: { joinedSeq?: number } | null | undefined): number => p?.joinedSeq ?? 0;

/** Sent while the viewer was in the conversation (their current stay): not before they joined or were re-added. */
export const inStayOf = (message: Pick<Message, 'seq'>, joinedSeq: number): boolean => message.seq > joinedSeq;

export const visibleTo = (message: Message, userId: string): boolean => !message.hiddenFor.includes(userId);

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
