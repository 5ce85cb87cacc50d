// Batch read receipts (seed 000's GetBatchReadReceiptsAsync): who has read each of up to 100 messages, in one call.
import { seqOfMessageId } from '../domain/rules.js';
import { loadAsParticipant } from './access.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';

export type BatchReceiptDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry'>;

export interface MessageReceipt {
  messageId: string;
  conversationId: string;
  seq: number;
  readBy: { userId: string; readAt: string | null }[];
}

const conversationOf = (messageId: string): string | null => {
  const dot = messageId.lastIndexOf('.');
  return dot > 0 ? messageId.slice(0, dot) : null;
};

/** How far each other participant has read, per conversation: receipt cache first, memberships for the rest. */
async function readMarksOf(deps: BatchReceiptDeps, conversationId: string, userIds: string[]) {
  const cached = (await quietly(deps, 'receipt cache', () => deps.ephemeral.readMarks(conversationId, userIds))) ?? {};
  const marks = new Map<string, { seq: number; readAt: string | null }>();
  for (const u of userIds) {
    const c = cached[u];
    if (c) marks.set(u, c);
  }
  const missing = userIds.filter((u) => !marks.has(u));
  const memberships = await Promise.all(missing.map((u) => deps.store.getMembership(u, conversationId)));
  for (const m of memberships) if (m) marks.set(m.userId, { seq: m.lastReadSeq, readAt: m.lastReadAt });
  return marks;
}

/**
 * Receipts of messages the caller can see. Ids of conversations the caller is not in, or past the last message, are
 * answered in `notFound` (the same whether the conversation exists or not).
 */
export async function batchReceipts(
  deps: BatchReceiptDeps,
  caller: Caller,
  messageIds: string[],
): Promise<{ receipts: MessageReceipt[]; notFound: string[] }> {
  const byConversation = new Map<string, string[]>();
  const notFound: string[] = [];
  for (const id of new Set(messageIds)) {
    const c = conversationOf(id);
    if (c === null) notFound.push(id);
    else byConversation.set(c, [...(byConversation.get(c) ?? []), id]);
  }
  const receipts: MessageReceipt[] = [];
  for (const [conversationId, ids] of byConversation) {
    const conversation = await loadAsParticipant(deps, caller, conversationId)
      .then((r) => r.conversation)
      .catch(() => null);
    if (!conversation) {
      notFound.push(...ids);
      continue;
    }
    const others = conversation.participants.map((p) => p.userId).filter((u) => u !== caller.userId);
    const marks = await readMarksOf(deps, conversationId, others);
    for (const messageId of ids) {
      const seq = seqOfMessageId(conversationId, messageId);
      if (seq === null || seq < 1 || seq > conversation.lastSeq) {
        notFound.push(messageId);
        continue;
      }
      const readBy = [...marks].filter(([, m]) => m.seq >= seq).map(([userId, m]) => ({ userId, readAt: m.readAt }));
      receipts.push({ messageId, conversationId, seq, readBy });
    }
  }
  return { receipts, notFound };
}
