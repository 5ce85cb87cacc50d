/**
 * Message status per viewer (sent / delivered / read / failed) on every message a reader gets, computed from the
 * members' read and delivered positions (lastReadSeq / lastDeliveredSeq vs seq): per conversation, at most one read
 * of the viewer's own membership plus one per other participant, never a read per message.
 *
 * - Someone else's message: `read` once the viewer's read mark passed it, else `delivered` (the viewer has it).
 * - The viewer's own message: `read` when at least one other participant (who was there when it was sent) read past
 *   it, `delivered` when at least one got it on a device, else `sent`. Direct chats: the other one. Groups: the first
 *   reader (who read it: GET …/messages/{id} and the batch receipts).
 * - Conversations of more than RECEIPT_MEMBERS_MAX participants read the others' marks from the receipt cache only
 *   (one round trip, no store read): their `read` reflects cached marks, and `delivered` is not told apart from `sent`.
 */
import type { Conversation, Membership } from '../domain/conversation.js';
import type { Message, ViewerState } from '../domain/message.js';
import { joinedSeqOf, type ReceiptMark, viewerStateOf } from '../domain/rules.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';

export type StatusDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry'>;

/** Up to this many participants the others' marks come from their memberships (exact), above it from the cache. */
export const RECEIPT_MEMBERS_MAX = 20;

const markOf = (m: Membership): ReceiptMark => ({
  readSeq: m.lastReadSeq,
  readAt: m.lastReadAt,
  deliveredSeq: Math.max(m.lastDeliveredSeq, m.lastReadSeq),
  joinedSeq: joinedSeqOf(m),
});

/** The other participants' marks (see the module comment for big conversations). */
export async function othersMarks(
  deps: StatusDeps,
  conversation: Pick<Conversation, 'id' | 'participants'>,
  viewerId: string,
): Promise<ReceiptMark[]> {
  const others = conversation.participants.map((p) => p.userId).filter((u) => u !== viewerId);
  if (others.length === 0) return [];
  if (others.length + 1 <= RECEIPT_MEMBERS_MAX) {
    const memberships = await Promise.all(others.map((u) => deps.store.getMembership(u, conversation.id)));
    return memberships.flatMap((m) => (m === null ? [] : [markOf(m)]));
  }
  const joined = new Map(conversation.participants.map((p) => [p.userId, joinedSeqOf(p)]));
  const cached = (await quietly(deps, 'receipt cache', () => deps.ephemeral.readMarks(conversation.id, others))) ?? {};
  return Object.entries(cached).flatMap(([userId, c]) =>
    c ? [{ readSeq: c.seq, readAt: c.readAt, deliveredSeq: c.seq, joinedSeq: joined.get(userId) ?? 0 }] : [],
  );
}

/**
 * A function giving each message of one conversation its state for the viewer. Reads only what the messages need:
 * the viewer's membership (given, or read once) when some are from others, the others' marks when some are theirs.
 */
export async function viewerStates(
  deps: StatusDeps,
  conversation: Pick<Conversation, 'id' | 'participants'>,
  viewerId: string,
  messages: readonly Pick<Message, 'senderId' | 'seq'>[],
  ownMembership?: Membership | null,
): Promise<(m: Pick<Message, 'senderId' | 'seq'>) => ViewerState> {
  const anyOwn = messages.some((m) => m.senderId === viewerId);
  const anyOthers = messages.some((m) => m.senderId !== viewerId);
  const [own, others] = await Promise.all([
    anyOthers
      ? ownMembership !== undefined
        ? ownMembership
        : deps.store.getMembership(viewerId, conversation.id)
      : null,
    anyOwn ? othersMarks(deps, conversation, viewerId) : [],
  ]);
  const mine = own ? markOf(own) : null;
  return (m) => viewerStateOf(m, viewerId, mine, others);
}
