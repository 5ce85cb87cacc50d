/** The read side of messages: pages (lists, catch-up) and one message with its receipts. */
import { invalid } from '../domain/errors.js';
import type { ListMessagesQuery, ViewerState } from '../domain/message.js';
import { inStayOf, joinedSeqOf, seqOfMessageId, shownTo, viewOf } from '../domain/rules.js';
import { loadAsParticipant, loadMessage } from './access.js';
import { quietly } from './best-effort.js';
import { type RevealDeps, revealContent } from './content-reveal.js';
import type { AppDeps, Caller } from './deps.js';
import { type StatusDeps, viewerStates } from './message-status.js';

type ReceiptReadDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry'>;

/** A cursor is a seq (digits) or a message id of this conversation. */
function cursorSeq(conversationId: string, cursor: string | undefined, name: string): number | undefined {
  if (cursor === undefined) return undefined;
  if (/^\d{1,15}$/.test(cursor)) return Number(cursor);
  const seq = seqOfMessageId(conversationId, cursor);
  if (seq === null)
    throw invalid(`${name} must be a seq or the id of a message of this conversation`, 'MESSAGE.BAD_CURSOR');
  return seq;
}

export async function listMessages(deps: StatusDeps, caller: Caller, conversationId: string, q: ListMessagesQuery) {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  const after = q.afterSeq ?? cursorSeq(conversationId, q.after, 'after');
  const before = q.beforeSeq ?? cursorSeq(conversationId, q.before, 'before');
  if (after !== undefined && before !== undefined && after >= before)
    throw invalid('after must be lower than before', 'MESSAGE.BAD_RANGE');
  // why: a participant sees only their current stay; the store scans from their join, so pages stay full
  const joinedSeq = joinedSeqOf(me);
  const floor = Math.max(after ?? 0, joinedSeq);
  const lower = floor > 0 ? { afterSeq: floor } : {};
  // without a cursor: the newest page
  const range =
    after === undefined && before === undefined
      ? { ...lower, beforeSeq: conversation.lastSeq + 1 }
      : { ...lower, beforeSeq: before };
  const scanned = (await deps.store.listMessages(conversationId, { ...range, limit: q.limit })).filter((m) =>
    inStayOf(m, joinedSeq),
  );
  const oldestSeq = scanned[0]?.seq ?? null;
  const newestSeq = scanned.at(-1)?.seq ?? null;
  const forward = after !== undefined && before === undefined;
  const hasMore = forward
    ? (newestSeq ?? floor) < conversation.lastSeq
    : scanned.length > 0 && (oldestSeq ?? 1) > Math.max(1, floor + 1);
  const shown = scanned.filter((m) => shownTo(m, caller.userId) && (q.includeDeleted || !m.isDeleted));
  const stateOf = await viewerStates(deps, conversation, caller.userId, shown);
  const messages = shown.map((m) => viewOf(m, stateOf(m)));
  return {
    messages,
    hasMore,
    oldestMessageId: messages[0]?.id ?? null,
    newestMessageId: messages.at(-1)?.id ?? null,
    /** The seq range this page covered (deleted or hidden messages inside it are left out). */
    oldestSeq,
    newestSeq,
    lastSeq: conversation.lastSeq,
  };
}

export async function getMessageDetail(
  deps: ReceiptReadDeps & RevealDeps,
  caller: Caller,
  conversationId: string,
  messageId: string,
  /** reveal: the clear text of masked sensitive data instead of the masks (audited) */
  opts: { reveal?: boolean } = {},
) {
  const { conversation, message } = await loadMessage(deps, caller, conversationId, messageId);
  const revealed = opts.reveal === true && message.sealed !== undefined && !message.isDeleted;
  const content = revealed ? await revealContent(deps, caller, message) : message.content;
  const others = conversation.participants.filter((p) => p.userId !== message.senderId).map((p) => p.userId);
  // why: the receipt cache answers for everyone who has read this far; only the others cost a store read
  const cached = (await quietly(deps, 'receipt cache', () => deps.ephemeral.readMarks(conversationId, others))) ?? {};
  const readBy: { userId: string; readAt: string | null }[] = others.flatMap((u) => {
    const mark = cached[u];
    return mark && mark.seq >= message.seq ? [{ userId: u, readAt: mark.readAt }] : [];
  });
  const unknown = others.filter((u) => !readBy.some((r) => r.userId === u));
  const memberships = (await Promise.all(unknown.map((u) => deps.store.getMembership(u, conversationId)))).filter(
    (m) => m !== null,
  );
  for (const m of memberships) {
    if (m.lastReadSeq >= message.seq) readBy.push({ userId: m.userId, readAt: m.lastReadAt });
    if (m.lastReadAt !== null && m.lastReadSeq > (cached[m.userId]?.seq ?? 0)) {
      const mark = { seq: m.lastReadSeq, readAt: m.lastReadAt };
      await quietly(deps, 'receipt cache', () => deps.ephemeral.cacheReadMark(conversationId, m.userId, mark));
    }
  }
  const deliveredTo = [
    ...readBy.map((r) => r.userId),
    ...memberships.filter((m) => m.lastReadSeq < message.seq && m.lastDeliveredSeq >= message.seq).map((m) => m.userId),
  ];
  // why: the summary is the sender's view (at least one reader: read); the message carries the caller's own view
  const status = message.failure
    ? 'failed'
    : readBy.length > 0
      ? 'read'
      : deliveredTo.length > 0
        ? 'delivered'
        : 'sent';
  const firstRead = readBy.flatMap((r) => (r.readAt === null ? [] : [r.readAt])).sort()[0] ?? null;
  const state: ViewerState =
    message.senderId !== caller.userId
      ? await viewerStates(deps, conversation, caller.userId, [message]).then((of) => of(message))
      : status === 'read'
        ? { status: 'read', readAt: firstRead }
        : { status: status === 'delivered' ? 'delivered' : 'sent', readAt: null };
  return {
    message: { ...viewOf(message, state), content, ...(revealed && { revealed: true }) },
    status,
    readBy,
    deliveredTo,
    reactions: Object.entries(message.reactions).map(([reaction, userIds]) => ({
      reaction,
      userIds,
      count: userIds.length,
    })),
  };
}
