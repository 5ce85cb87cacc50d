import { invalid } from './errors.js';
import { LIMITS } from './limits.js';

// why: reaction names are chosen by users, so "constructor" or "toString" must be plain keys. Lookups go through
// own-property checks and new objects are built with Object.fromEntries (own data properties, never the
// __proto__ setter); the stored and JSON shape stays `{emoji: userIds[]}`.

export type Reactions = Record<string, string[]>;

/** The users who reacted with `reaction` (none when it is only a name on Object.prototype). */
export function reactorsOf(reactions: Reactions, reaction: string): string[] {
  const users = Object.hasOwn(reactions, reaction) ? reactions[reaction] : undefined;
  return Array.isArray(users) ? users : [];
}

/** The reactions after `userId` adds or removes `reaction`; null when that changes nothing. */
export function toggleReaction(
  reactions: Reactions,
  reaction: string,
  userId: string,
  action: 'added' | 'removed',
): Reactions | null {
  const all = new Map(Object.entries(reactions));
  const users = reactorsOf(reactions, reaction);
  if ((action === 'added') === users.includes(userId)) return null;
  if (action === 'added' && users.length === 0 && all.size >= LIMITS.reactionsPerMessage) {
    throw invalid(`a message has at most ${LIMITS.reactionsPerMessage} different reactions`, 'REACTION.TOO_MANY');
  }
  const next = action === 'added' ? [...users, userId] : users.filter((u) => u !== userId);
  if (next.length === 0) all.delete(reaction);
  else all.set(reaction, next);
  return Object.fromEntries(all);
}
