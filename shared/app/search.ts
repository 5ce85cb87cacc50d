import { invalid } from '../domain/errors.js';
import type { SearchQuery } from '../domain/message.js';
import { inStayOf, joinedSeqOf, viewOf, visibleTo } from '../domain/rules.js';
import { loadAsParticipant, type StoreDeps } from './access.js';
import type { Caller } from './deps.js';

const startOfDay = (d: string): string => (d.length === 10 ? `${d}T00:00:00.000Z` : new Date(d).toISOString());
const endOfDay = (d: string): string => (d.length === 10 ? `${d}T23:59:59.999Z` : new Date(d).toISOString());

/** Text search across the caller's conversations (or one of them), newest first. */
export async function searchMessages(deps: StoreDeps, caller: Caller, q: SearchQuery) {
  // why: the seq each conversation's current stay began at; what was sent before the caller joined is not theirs
  const joined = new Map<string, number>();
  if (q.conversationId !== undefined) {
    const { me } = await loadAsParticipant(deps, caller, q.conversationId);
    joined.set(q.conversationId, joinedSeqOf(me));
  } else {
    for (const m of await deps.store.allMemberships(caller.userId)) joined.set(m.conversationId, joinedSeqOf(m));
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
  const results = hits
    .filter((m) => visibleTo(m, caller.userId) && inStayOf(m, joined.get(m.conversationId) ?? 0))
    .map((m) => ({ conversationId: m.conversationId, message: viewOf(m) }));
  return { results, totalCount };
}
