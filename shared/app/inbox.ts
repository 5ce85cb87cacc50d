import type { Conversation, InboxQuery, Membership } from '../domain/conversation.js';
import { unreadCount } from '../domain/rules.js';
import type { MembershipPage } from '../ports/store.js';
import type { AppDeps, Caller } from './deps.js';
import { viewerStates } from './message-status.js';

/** The caller's conversations: one partition read for the page plus point reads of the page's conversations. */
export async function listInbox(
  deps: Pick<AppDeps, 'store' | 'clock' | 'ephemeral' | 'telemetry'>,
  caller: Caller,
  q: InboxQuery,
) {
  const filter = { archived: q.archived, ...(q.type !== 'all' && { type: q.type }) };
  let page: MembershipPage = await deps.store.listMemberships(caller.userId, filter, {
    pageSize: q.pageSize,
    continuationToken: q.continuationToken,
  });
  for (let n = 1; q.page !== undefined && n < q.page; n++) {
    if (page.continuationToken === null) {
      page = { items: [], continuationToken: null };
      break;
    }
    page = await deps.store.listMemberships(caller.userId, filter, {
      pageSize: q.pageSize,
      continuationToken: page.continuationToken,
    });
  }
  const [conversations, all] = await Promise.all([
    Promise.all(page.items.map((m) => deps.store.getConversation(m.conversationId))),
    deps.store.allMemberships(caller.userId),
  ]);
  // why: members' lastSeq moves asynchronously (message-events fan-out); the conversations' own lastSeq, read in one
  // batch, keeps the total exact while the fan-out lags
  const seqs = await deps.store.lastSeqs(all.filter((m) => !m.archived).map((m) => m.conversationId));
  const now = deps.clock.now().toISOString();
  // why: the last message's status for the caller costs reads only where it is the caller's own (the others' marks)
  const entries = (
    await Promise.all(
      page.items.map(async (m, i) => {
        const c = conversations[i];
        if (!c) return [];
        const last = c.lastMessage;
        const state = last ? (await viewerStates(deps, c, caller.userId, [last], m))(last) : null;
        return [entryOf(m, { ...c, lastMessage: last && state ? { ...last, ...state } : last }, now)];
      }),
    )
  ).flat();
  return {
    conversations: entries,
    unreadTotal: all
      .filter((m) => !m.archived)
      .reduce((sum, m) => sum + unreadCount({ ...m, lastSeq: Math.max(m.lastSeq, seqs[m.conversationId] ?? 0) }), 0),
    hasMore: page.continuationToken !== null,
    continuationToken: page.continuationToken,
    page: q.page ?? null,
    pageSize: q.pageSize,
  };
}

function entryOf(m: Membership, c: Conversation, now: string) {
  const lastSeq = Math.max(m.lastSeq, c.lastSeq);
  return {
    conversationId: c.id,
    type: c.type,
    title: c.title,
    imageUrl: c.imageUrl,
    bookingId: c.bookingId,
    category: c.category,
    participants: c.participants,
    lastMessage: c.lastMessage,
    lastMessageAt: c.lastMessageAt,
    lastActivityAt: m.lastActivityAt,
    lastSeq,
    lastReadSeq: m.lastReadSeq,
    unreadCount: unreadCount({ lastSeq, lastReadSeq: m.lastReadSeq, goneSeqs: m.goneSeqs }),
    role: m.role,
    isMuted: m.muted && (m.mutedUntil === null || m.mutedUntil > now),
    mutedUntil: m.mutedUntil,
    isArchived: m.archived,
    isPinned: m.pinned,
    notificationLevel: m.notificationLevel,
    hasDraft: m.draft !== null,
  };
}
