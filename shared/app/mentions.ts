import type { Membership } from '../domain/conversation.js';
import type { AppDeps } from './deps.js';

/** A mention notifies unless the user muted the conversation (until its end) or set its notifications to none. */
export const mentionReaches = (m: Pick<Membership, 'muted' | 'mutedUntil' | 'notificationLevel'>, now: string) =>
  m.notificationLevel !== 'none' && !(m.muted && (m.mutedUntil === null || m.mutedUntil > now));

/** The mentioned users who want to hear of it: one point read per mentioned user (at most 50 per message). */
export async function mentionAudience(
  deps: Pick<AppDeps, 'store'>,
  conversationId: string,
  userIds: string[],
  now: string,
): Promise<string[]> {
  const memberships = await Promise.all(userIds.map((u) => deps.store.getMembership(u, conversationId)));
  return memberships.filter((m) => m !== null && mentionReaches(m, now)).map((m) => (m as Membership).userId);
}
