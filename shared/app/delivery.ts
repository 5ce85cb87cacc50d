/**
 * How a conversation's events reach its participants, whatever the number of conversations a user is in.
 *
 * The rule (SignalR Service data-plane API, "add a user to a group", `ttl`): a user keeps at most their 100 most
 * recently updated user→group memberships added without a TTL (each for a year at most); the Functions output
 * binding can only add TTL-less ones. So delivery must not depend on one membership per conversation:
 *
 * - conversations of up to SMALL_CONVERSATION_MAX participants (direct, booking, support, small groups): each event
 *   is addressed to every participant by user id. No TTL-less membership is involved, so nothing can be evicted.
 *   Cost per event: one point read of the conversation (none on a send) and one group send once the set of
 *   recipients is in its audience group (runtime/audience-groups.ts: memberships with a TTL, named by the set; the
 *   runtime pushes events to several users itself), else one send per recipient.
 * - bigger conversations: one send to the group `conversation:{id}`. Each connection is added to the groups of its
 *   user's big conversations when it connects (connection memberships are not capped and end with the connection),
 *   among the CONNECT_FANOUT_MAX most recently active non-direct conversations; a participant added while online
 *   gets a user→group membership (the newest 100 are kept) until the next connect.
 *
 * Neither cost grows with the number of conversations a user is in.
 */
import { conversationGroup, type Push } from '../domain/events.js';
import type { AppDeps, Caller } from './deps.js';

/** Up to this many participants, events go to each participant by user id. */
export const SMALL_CONVERSATION_MAX = 20;
/** Non-direct conversations looked at on connect (most recently active first). */
export const CONNECT_FANOUT_MAX = 100;

const GROUP_PREFIX = conversationGroup('');

export type DeliveryDeps = Pick<AppDeps, 'store'>;

/** Rewrites events addressed to a small conversation's group into sends to its participants. */
export async function planDelivery(deps: DeliveryDeps, pushes: Push[]): Promise<Push[]> {
  const ids = new Set<string>();
  for (const p of pushes)
    if (p.kind === 'event' && (p.hub ?? 'messaging') === 'messaging' && 'group' in p.to)
      if (p.to.group.startsWith(GROUP_PREFIX)) ids.add(p.to.group.slice(GROUP_PREFIX.length));
  if (ids.size === 0) return pushes;
  const participants = new Map<string, readonly string[]>();
  // why: a producer that loaded the conversation (the send) hands its participants along; only the rest is read
  for (const p of pushes)
    if (p.kind === 'event' && (p.hub ?? 'messaging') === 'messaging' && 'group' in p.to && p.to.participants) {
      const id = p.to.group.slice(GROUP_PREFIX.length);
      if (ids.delete(id) && p.to.participants.length <= SMALL_CONVERSATION_MAX) participants.set(id, p.to.participants);
    }
  await Promise.all(
    [...ids].map(async (id) => {
      const c = await deps.store.getConversation(id);
      if (c !== null && c.participants.length <= SMALL_CONVERSATION_MAX)
        participants.set(
          id,
          c.participants.map((x) => x.userId),
        );
    }),
  );
  return pushes.map((p) => {
    if (p.kind !== 'event' || !('group' in p.to) || (p.hub ?? 'messaging') !== 'messaging') return p;
    const users = participants.get(p.to.group.slice(GROUP_PREFIX.length));
    if (users === undefined || !p.to.group.startsWith(GROUP_PREFIX)) return p;
    const { exceptUser } = p.to;
    return { ...p, to: { users: exceptUser === undefined ? [...users] : users.filter((u) => u !== exceptUser) } };
  });
}

/** On connect: this connection joins the groups of its user's big conversations (bounded fan-out). */
export async function joinBigConversations(deps: DeliveryDeps, caller: Caller, connectionId: string): Promise<Push[]> {
  const memberships = await deps.store.allMemberships(caller.userId);
  const candidates = memberships
    .filter((m) => m.conversationType !== 'direct')
    .sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : -1))
    .slice(0, CONNECT_FANOUT_MAX);
  const conversations = await Promise.all(candidates.map((m) => deps.store.getConversation(m.conversationId)));
  return conversations.flatMap((c): Push[] =>
    c !== null && c.participants.length > SMALL_CONVERSATION_MAX
      ? [{ kind: 'group', action: 'add', group: conversationGroup(c.id), connectionId }]
      : [],
  );
}
