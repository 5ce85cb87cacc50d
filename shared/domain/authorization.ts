// Pure authorization rules: the block relation, the notification channel grammar, what others see of presence.
import type { UserProfile } from './conversation.js';
import { invalid } from './errors.js';

/**
 * Everyone with a block relation to the profile's user, in either direction: a block stops everything that
 * reaches the other user, whoever set it. `blockedBy` is the reverse index kept next to `blocked`.
 */
export function blockRelations(profile: UserProfile): Set<string> {
  return new Set([...profile.blocked.map((b) => b.userId), ...(profile.blockedBy ?? [])]);
}

/** What a notification channel is about; the kind decides who may subscribe (see shared/app/policy.ts). */
export type Channel =
  | { kind: 'user'; id: string }
  | { kind: 'conversation'; id: string }
  | { kind: 'booking'; id: string }
  | { kind: 'topic'; name: string };

const SCOPED = ['user', 'conversation', 'booking'] as const;
const TOPIC = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * The channel grammar: `user:{id}`, `conversation:{id}`, `booking:{id}`, or a topic named in NOTIFICATION_TOPICS.
 * Anything else is refused with an error naming the grammar.
 */
export function parseChannel(channel: string, topics: readonly string[]): Channel {
  const colon = channel.indexOf(':');
  if (colon > 0) {
    const prefix = channel.slice(0, colon);
    const id = channel.slice(colon + 1);
    const kind = SCOPED.find((k) => k === prefix);
    if (kind && id.length > 0) return { kind, id };
  } else if (TOPIC.test(channel) && topics.includes(channel)) {
    return { kind: 'topic', name: channel };
  }
  const named = topics.length > 0 ? topics.join(', ') : 'none configured';
  throw invalid(
    `unknown channel "${channel}": use user:{id}, conversation:{id}, booking:{id} or a topic (${named})`,
    'CHANNEL.UNKNOWN',
  );
}
