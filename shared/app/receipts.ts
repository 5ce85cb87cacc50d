import { notFound } from '../domain/errors.js';
import { EVENTS, type Outcome, toGroup, toOthersInGroup } from '../domain/events.js';
import { messageIdOf, unreadCount } from '../domain/rules.js';
import { loadAsParticipant } from './access.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';
import { goneAbove } from './unread.js';

// Receipts: how far each participant has read and received. Both marks only move forward.

export type ReceiptDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'clock' | 'telemetry'>;

export interface ReadState {
  conversationId: string;
  lastReadSeq: number;
  unreadCount: number;
}

/** Moves the caller's read mark forward (never back, never past the last message) and tells the others. */
export async function markRead(
  deps: ReceiptDeps,
  caller: Caller,
  conversationId: string,
  seq: number,
): Promise<Outcome<ReadState>> {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  const target = Math.min(seq, conversation.lastSeq);
  const readAt = deps.clock.now().toISOString();
  let moved = false;
  const m = await deps.store.updateMembership(caller.userId, conversationId, (x) => {
    moved = target > x.lastReadSeq;
    const lastSeq = Math.max(x.lastSeq, conversation.lastSeq);
    if (!moved && lastSeq === x.lastSeq) return null;
    return {
      ...x,
      lastSeq,
      ...(moved && { lastReadSeq: target, lastReadAt: readAt, lastDeliveredSeq: Math.max(x.lastDeliveredSeq, target) }),
      ...(moved && x.goneSeqs !== undefined && { goneSeqs: goneAbove(x, target) }),
    };
  });
  if (!m) throw notFound('Conversation');
  if (moved)
    await quietly(deps, 'receipt cache', () =>
      deps.ephemeral.cacheReadMark(conversationId, caller.userId, { seq: m.lastReadSeq, readAt }),
    );
  const result = { conversationId, lastReadSeq: m.lastReadSeq, unreadCount: unreadCount(m) };
  return {
    result,
    pushes: moved
      ? [
          toOthersInGroup(
            conversationId,
            EVENTS.messageRead,
            { conversationId, userId: caller.userId, seq: m.lastReadSeq, readAt },
            caller.connectionId,
          ),
        ]
      : [],
  };
}

/** A recipient's device got messages up to seq: the others (the senders) see OnMessageDelivered. */
export async function markDelivered(
  deps: Pick<AppDeps, 'store' | 'clock' | 'telemetry'>,
  caller: Caller,
  conversationId: string,
  seq: number,
): Promise<Outcome<{ conversationId: string; lastDeliveredSeq: number }>> {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  const target = Math.min(seq, conversation.lastSeq);
  let moved = false;
  const m = await deps.store.updateMembership(caller.userId, conversationId, (x) => {
    moved = target > x.lastDeliveredSeq;
    return moved ? { ...x, lastDeliveredSeq: target } : null;
  });
  const lastDeliveredSeq = m?.lastDeliveredSeq ?? target;
  const deliveredAt = deps.clock.now().toISOString();
  if (moved) {
    const message = await deps.store.getMessage(conversationId, messageIdOf(conversationId, lastDeliveredSeq));
    if (message)
      deps.telemetry.metric('MessageDeliveryLatencyMs', Date.parse(deliveredAt) - Date.parse(message.createdAt));
  }
  return {
    result: { conversationId, lastDeliveredSeq },
    pushes: moved
      ? [
          toGroup(conversationId, EVENTS.messageDelivered, {
            conversationId,
            userId: caller.userId,
            seq: lastDeliveredSeq,
            deliveredAt,
          }),
        ]
      : [],
  };
}
