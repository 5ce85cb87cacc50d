/**
 * Consumer of the push-notifications queue: native pushes for a message its recipients did not see live.
 * The rules are one pure function (`pushVerdict`, table-tested); the consumer gathers what it needs per recipient
 * (membership, profile, exact unread total for the badge). That is per-recipient work, but off the send path.
 */
import { blockRelations } from '../domain/authorization.js';
import type { Conversation, Membership, UserProfile } from '../domain/conversation.js';
import type { PushJob } from '../domain/jobs.js';
import type { Message } from '../domain/message.js';
import { collapseKeyOf, DEFAULT_PUSH_PREFERENCES, type PushNotification } from '../domain/push.js';
import { previewOf, unreadCount } from '../domain/rules.js';
import type { AppDeps } from './deps.js';

export type PushDeps = Pick<AppDeps, 'store' | 'push' | 'clock' | 'telemetry'>;

export type PushVerdict =
  | 'push'
  | 'sender'
  | 'not-member'
  | 'delivered'
  | 'muted'
  | 'level-none'
  | 'not-mentioned'
  | 'blocked'
  | 'push-disabled';

/** Whether this recipient gets a push for this message, and if not, why. */
export function pushVerdict(x: {
  recipientId: string;
  senderId: string;
  seq: number;
  mentions: readonly string[];
  phase: PushJob['phase'];
  membership: Pick<
    Membership,
    'muted' | 'mutedUntil' | 'notificationLevel' | 'lastDeliveredSeq' | 'lastReadSeq'
  > | null;
  profile: Pick<UserProfile, 'blocked' | 'blockedBy' | 'push'>;
  now: string;
}): PushVerdict {
  if (x.recipientId === x.senderId) return 'sender';
  const m = x.membership;
  if (m === null) return 'not-member';
  // why: only the grace phase asks; the user was online and their device said it got the message
  if (x.phase === 'grace' && Math.max(m.lastDeliveredSeq, m.lastReadSeq) >= x.seq) return 'delivered';
  if (m.muted && (m.mutedUntil === null || m.mutedUntil > x.now)) return 'muted';
  if (m.notificationLevel === 'none') return 'level-none';
  if (m.notificationLevel === 'mentions' && !x.mentions.includes(x.recipientId)) return 'not-mentioned';
  if (blockRelations({ userId: x.recipientId, ...x.profile }).has(x.senderId)) return 'blocked';
  if (!(x.profile.push ?? DEFAULT_PUSH_PREFERENCES).pushEnabled) return 'push-disabled';
  return 'push';
}

/** The user's exact unread total now: conversation lastSeq (one batch read) minus their read mark and gone seqs. */
export async function unreadTotal(deps: Pick<AppDeps, 'store'>, userId: string): Promise<number> {
  const memberships = (await deps.store.allMemberships(userId)).filter((m) => !m.archived);
  const seqs = await deps.store.lastSeqs(memberships.map((m) => m.conversationId));
  return memberships.reduce(
    (sum, m) => sum + unreadCount({ ...m, lastSeq: Math.max(m.lastSeq, seqs[m.conversationId] ?? 0) }),
    0,
  );
}

export async function handlePushJob(deps: PushDeps, job: PushJob): Promise<{ sent: string[] }> {
  const [conversation, message] = await Promise.all([
    deps.store.getConversation(job.conversationId),
    deps.store.getMessage(job.conversationId, job.messageId),
  ]);
  if (!conversation || !message || message.isDeleted) return { sent: [] };
  const now = deps.clock.now().toISOString();
  const sent: string[] = [];
  for (const userId of new Set(job.userIds)) {
    if (message.hiddenFor.includes(userId)) continue;
    const [membership, profile] = await Promise.all([
      deps.store.getMembership(userId, job.conversationId),
      deps.store.getProfile(userId),
    ]);
    const verdict = pushVerdict({
      recipientId: userId,
      senderId: message.senderId,
      seq: message.seq,
      mentions: message.mentions,
      phase: job.phase,
      membership,
      profile,
      now,
    });
    if (verdict !== 'push') continue;
    const notification = await notificationFor(deps, userId, conversation, message, profile);
    const { staleDeviceIds } = await deps.push.send(notification);
    for (const deviceId of staleDeviceIds) await deps.push.unregister(userId, deviceId);
    sent.push(userId);
  }
  if (sent.length > 0) deps.telemetry.metric('PushNotificationsSent', sent.length);
  return { sent };
}

async function notificationFor(
  deps: PushDeps,
  userId: string,
  conversation: Conversation,
  message: Message,
  profile: UserProfile,
): Promise<PushNotification> {
  const hide = (profile.push ?? DEFAULT_PUSH_PREFERENCES).privatePreviews;
  return {
    userId,
    conversationId: conversation.id,
    messageId: message.id,
    seq: message.seq,
    title: conversation.type === 'direct' ? message.senderId : (conversation.title ?? message.senderId),
    body: hide ? 'New message' : previewOf(message),
    badge: await unreadTotal(deps, userId),
    collapseKey: collapseKeyOf(conversation.id),
  };
}
