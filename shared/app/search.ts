import type { Membership } from '../domain/conversation.js';
import { invalid } from '../domain/errors.js';
import type { Message, SearchQuery, ViewerState } from '../domain/message.js';
import { inStayOf, joinedSeqOf, shownTo, viewOf } from '../domain/rules.js';
import { loadAsParticipant } from './access.js';
import type { Caller } from './deps.js';
import { type StatusDeps, viewerStates } from './message-status.js';

const startOfDay = (d: string): string => (d.length === 10 ? `${d}T00:00:00.000Z` : new Date(d).toISOString());
const endOfDay = (d: string): string => (d.length === 10 ? `${d}T23:59:59.999Z` : new Date(d).toISOString());

/** Text search across the caller's conversations (or one of them), newest first. */
export async function searchMessages(deps: StatusDeps, caller: Caller, q: SearchQuery) {
  // why: the seq each conversation's current stay began at; what was sent before the caller joined is not theirs
  const joined = new Map<string, number>();
  const memberships = new Map<string, Membership>();
  if (q.conversationId !== undefined) {
    const { me } = await loadAsParticipant(deps, caller, q.conversationId);
    joined.set(q.conversationId, joinedSeqOf(me));
  } else {
    for (const m of await deps.store.allMemberships(caller.userId)) {
      joined.set(m.conversationId, joinedSeqOf(m));
      memberships.set(m.conversationId, m);
    }
  }
  const scope = [...joined.keys()];
  const from = q.startDate === undefined ? undefined : startOfDay(q.startDate);
  const to = q.endDate === undefined ? undefined : endOfDay(q.endDate);
  if (from !== undefined && to !== undefined && from > to)
    throw invalid('startDate must not be after endDate', 'SEARCH.BAD_RANGE');
  const [hits, totalCount] =
    scope.length === 0
      ? [[], 0]
      : await Promise.all([
          deps.store.searchMessages(scope, { text: q.query, from, to, limit: q.limit }),
          // why: totalCount is every match the caller may see, not the size of this page (B2)
          deps.store.countSearchMatches(scope, { text: q.query, from, to, readerId: caller.userId }),
        ]);
  const shown = hits.filter((m) => shownTo(m, caller.userId) && inStayOf(m, joined.get(m.conversationId) ?? 0));
  const stateOf = await statesByConversation(deps, caller.userId, shown, memberships);
  const results = shown.map((m) => ({ conversationId: m.conversationId, message: viewOf(m, stateOf(m)) }));
  return { results, totalCount };
}

/** Each hit's status for the caller: the receipt positions of each conversation the hits are in, read once. */
async function statesByConversation(
  deps: StatusDeps,
  viewerId: string,
  hits: Message[],
  memberships: Map<string, Membership>,
): Promise<(m: Message) => ViewerState> {
  const byConversation = new Map<string, Message[]>();
  for (const m of hits) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m]);
  const states = new Map<string, (m: Message) => ViewerState>();
  await Promise.all(
    [...byConversation].map(async ([conversationId, messages]) => {
      // why: the participants are needed only for the caller's own hits (whose receipts are the others' marks)
      const own = messages.some((m) => m.senderId === viewerId);
      const conversation = own ? await deps.store.getConversation(conversationId) : null;
      states.set(
        conversationId,
        await viewerStates(
          deps,
          conversation ?? { id: conversationId, participants: [] },
          viewerId,
          messages,
          memberships.get(conversationId),
        ),
      );
    }),
  );
  return (m) => states.get(m.conversationId)?.(m) ?? { status: 'delivered', readAt: null };
}
