import { notFound } from '../domain/errors.js';
import { EVENTS, type Outcome, toGroup } from '../domain/events.js';
import { unreadCount } from '../domain/rules.js';
import { loadAsParticipant } from './access.js';
import type { AppDeps, Caller } from './deps.js';
import { quietly } from './realtime.js';

export interface ReadState {
  conversationId: string;
  lastReadSeq: number;
  unreadCount: number;
}

/** Moves the caller's read mark forward (never back, never past the last message) and tells the others. */
export async function markRead(
  deps: AppDeps,
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
          toGroup(conversationId, EVENTS.messageRead, {
            conversationId,
            userId: caller.userId,
            seq: m.lastReadSeq,
            readAt,
          }),
        ]
      : [],
  };
}
