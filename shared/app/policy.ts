/**
 * The one authorization policy for what reaches another user. Use cases ask it; it asks the store.
 *   - participants only (404 otherwise, like a missing conversation: see access.ts);
 *   - a block, whoever set it, stops every interaction with the other user of a direct conversation (send, typing,
 *     calls, edit, react) and any group or addition that would put the two together;
 *   - in a group both already share, messages still go to everyone (the group sees one history), but the realtime
 *     signals aimed at people (typing, calls) are not delivered between the two;
 *   - notification channels follow their grammar (shared/domain/authorization.ts);
 *   - presence shows only to users who share a conversation.
 */
import { blockRelations, parseChannel } from '../domain/authorization.js';
import type { Conversation, Participant } from '../domain/conversation.js';
import { forbidden } from '../domain/errors.js';
import { type Audience, conversationGroup, type EventName, type RealtimeEvent } from '../domain/events.js';
import { participantOf } from '../domain/rules.js';
import { loadAsParticipant, type StoreDeps } from './access.js';
import type { AppDeps, Caller } from './deps.js';

/** Interactions that reach the other participants, with the words the refusal uses. */
const INTERACTIONS = {
  send: 'send messages to',
  typing: 'send typing signals to',
  call: 'call',
  edit: 'edit messages in',
  react: 'react to messages in',
} as const;
export type Interaction = keyof typeof INTERACTIONS;

const blockedError = (doing: string) =>
  forbidden(`you cannot ${doing} this conversation while one of you blocks the other`, 'USER.BLOCKED');

/** The users among `others` who block the actor or whom the actor blocks. */
export async function blockedAmong(deps: StoreDeps, actorId: string, others: string[]): Promise<string[]> {
  if (others.length === 0) return [];
  const [only] = others;
  if (others.length === 1 && only !== undefined) {
    // why: one other user (direct conversations) costs two reads, and also catches blocks set before `blockedBy`
    const [actor, other] = await Promise.all([deps.store.getProfile(actorId), deps.store.getProfile(only)]);
    const related = blockRelations(actor).has(only) || other.blocked.some((b) => b.userId === actorId);
    return related ? [only] : [];
  }
  const related = blockRelations(await deps.store.getProfile(actorId));
  return others.filter((u) => related.has(u));
}

/** Refuses when the actor and any of `userIds` block each other (creating a conversation, adding participants). */
export async function requireNoBlockWith(deps: StoreDeps, actorId: string, userIds: string[], doing: string) {
  const blocked = await blockedAmong(
    deps,
    actorId,
    userIds.filter((u) => u !== actorId),
  );
  if (blocked.length > 0)
    throw forbidden(`you cannot ${doing} a user who blocks you or whom you block`, 'USER.BLOCKED');
}

/** Refuses an interaction in a direct conversation when either participant blocks the other. */
export async function requireNotBlockedIn(
  deps: StoreDeps,
  conversation: Conversation,
  actorId: string,
  action: Interaction,
): Promise<void> {
  if (conversation.type !== 'direct') return;
  const others = conversation.participants.map((p) => p.userId).filter((u) => u !== actorId);
  if ((await blockedAmong(deps, actorId, others)).length > 0) throw blockedError(INTERACTIONS[action]);
}

/** The caller as a participant who may do `action` here: 404 for outsiders, USER.BLOCKED in a blocked direct. */
export async function authorize(
  deps: StoreDeps,
  caller: Caller,
  conversationId: string,
  action: Interaction,
): Promise<{ conversation: Conversation; me: Participant }> {
  const loaded = await loadAsParticipant(deps, caller, conversationId);
  await requireNotBlockedIn(deps, loaded.conversation, caller.userId, action);
  return loaded;
}

/**
 * Who gets a signal the actor sends to a conversation (typing, calls): the whole group, unless some participant
 * and the actor block each other; then the others by name, leaving those out.
 */
export async function signalAudience(
  deps: StoreDeps,
  conversation: Conversation,
  caller: Caller,
  othersOnly = false,
): Promise<Audience> {
  const others = conversation.participants.map((p) => p.userId).filter((u) => u !== caller.userId);
  const hidden = new Set(await blockedAmong(deps, caller.userId, others));
  if (hidden.size === 0) {
    const group = conversationGroup(conversation.id);
    if (!othersOnly) return { group };
    // why: the seeds' OthersInGroup; delivered per user (small conversations), the actor needs no echo at all
    return {
      group,
      ...(caller.connectionId !== undefined && { except: [caller.connectionId] }),
      exceptUser: caller.userId,
    };
  }
  const visible = others.filter((u) => !hidden.has(u));
  return { users: othersOnly ? visible : [caller.userId, ...visible] };
}

export const eventTo = (to: Audience, target: EventName, payload: Record<string, unknown>): RealtimeEvent => ({
  kind: 'event',
  target,
  payload,
  to,
});

/**
 * May the caller receive a notification channel? user:{id} only that user; conversation:{id} its participants;
 * booking:{id} the participants of that booking's conversation; configured topics anyone signed in. Scoped
 * channels the caller may not see answer 403 CHANNEL.FORBIDDEN whether or not the thing exists.
 */
export async function requireChannelAccess(
  deps: StoreDeps & Pick<AppDeps, 'notificationTopics'>,
  caller: Caller,
  channel: string,
): Promise<void> {
  const parsed = parseChannel(channel, deps.notificationTopics);
  const refuse = () => forbidden(`you may not subscribe to ${channel}`, 'CHANNEL.FORBIDDEN');
  switch (parsed.kind) {
    case 'topic':
      return;
    case 'user':
      if (parsed.id !== caller.userId) throw refuse();
      return;
    case 'conversation':
    case 'booking': {
      const id = parsed.kind === 'booking' ? bookingConversationId(parsed.id) : parsed.id;
      const conversation = await deps.store.getConversation(id);
      if (!conversation || !participantOf(conversation, caller.userId)) throw refuse();
      return;
    }
  }
}

/** One conversation per booking, so retries and both parties' apps land in the same one. */
export const bookingConversationId = (bookingId: string): string => `bk_${bookingId}`;

/** Everyone who shares a conversation with the user (the audience of their presence). */
export async function contactsOf(deps: StoreDeps, userId: string): Promise<string[]> {
  const memberships = await deps.store.allMemberships(userId);
  const recent = memberships.sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : -1)).slice(0, 500);
  const conversations = await Promise.all(recent.map((m) => deps.store.getConversation(m.conversationId)));
  const contacts = new Set<string>();
  for (const c of conversations) for (const p of c?.participants ?? []) if (p.userId !== userId) contacts.add(p.userId);
  return [...contacts];
}

/**
 * The requested users whose presence the caller may see: the caller and those sharing a conversation with them
 * (the same audience UserOnline / UserOffline go to).
 */
export async function presenceVisibleTo(deps: StoreDeps, caller: Caller, userIds: string[]): Promise<Set<string>> {
  const contacts = new Set(await contactsOf(deps, caller.userId));
  return new Set(userIds.filter((u) => u === caller.userId || contacts.has(u)));
}
