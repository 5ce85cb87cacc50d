/**
 * Consumer of the message-events queue: everything a stored message causes besides its live push. Idempotent, so a
 * redelivered or re-enqueued job changes nothing more: the fan-out only moves fields forward, mention notifications
 * have ids derived from the message, the jobs it enqueues have deterministic ids, and the outbox marker is cleared
 * last (a failure before it leaves the message for a retry or the sweep).
 * It hands a message with URLs on to the link-previews queue, and one that an opted-in participant may want in
 * their language on to the translations queue (shared/app/link-previews.ts, translation.ts).
 */
import { EVENTS, type Outcome, type Push } from '../domain/events.js';
import {
  type LinkPreviewJob,
  linkPreviewJobId,
  type MessageEvent,
  type PushJob,
  pushJobId,
  type TranslationJob,
  translationJobId,
} from '../domain/jobs.js';
import { urlsIn } from '../domain/link-preview.js';
import type { Message } from '../domain/message.js';
import type { Notification } from '../domain/notification.js';
import type { Job } from '../domain/queues.js';
import { previewOf } from '../domain/rules.js';
import type { AppDeps } from './deps.js';
import { InboxFanOut } from './inbox-fanout.js';
import { mentionAudience } from './mentions.js';
import { failMessage, type MessageRejection } from './message-failure.js';
import { wantsAutoTranslation } from './translation.js';

export type MessageEventDeps = Pick<
  AppDeps,
  'store' | 'ephemeral' | 'notifications' | 'queue' | 'clock' | 'telemetry' | 'pushGraceSeconds'
>;

export type MessageEventConsumer = (event: MessageEvent) => Promise<Outcome<{ handled: boolean }>>;

/**
 * A check this queued step runs on each stored message: a rejection (code, reason) makes the message `failed`
 * (failMessage) before anyone is notified of it; null lets it through.
 */
export type MessageCheck = (message: Message) => Promise<Pick<MessageRejection, 'code' | 'reason'> | null>;

/** One consumer per process: it keeps the fan-out's coalescing state. */
export function messageEventsConsumer(
  deps: MessageEventDeps,
  checks: readonly MessageCheck[] = [],
  /** linkPreviews: false when LINK_PREVIEW_MAX_URLS is 0 (no link-previews jobs at all). */
  options: { linkPreviews: boolean } = { linkPreviews: true },
): MessageEventConsumer {
  const fanOut = new InboxFanOut(deps);
  return (event) => handleMessageEvent(deps, fanOut, checks, event, options);
}

/** The first check's rejection of the message, applied: the failure's pushes, or null when every check passed. */
async function rejectIfRefused(deps: MessageEventDeps, checks: readonly MessageCheck[], message: Message) {
  for (const check of checks) {
    const refusal = await check(message);
    if (refusal) {
      const rejection = { conversationId: message.conversationId, messageId: message.id, ...refusal };
      return (await failMessage(deps, rejection)).pushes;
    }
  }
  return null;
}

async function handleMessageEvent(
  deps: MessageEventDeps,
  fanOut: InboxFanOut,
  checks: readonly MessageCheck[],
  event: MessageEvent,
  options: { linkPreviews: boolean },
): Promise<Outcome<{ handled: boolean }>> {
  const [conversation, message] = await Promise.all([
    deps.store.getConversation(event.conversationId),
    deps.store.getMessage(event.conversationId, event.messageId),
  ]);
  // gone (conversation deleted, retention): nothing left to do
  if (!conversation || !message) return { result: { handled: false }, pushes: [] };

  await fanOut.cover(conversation, message.seq, message.createdAt);
  const members = new Set(conversation.participants.map((p) => p.userId));
  const recipients = [...members].filter((u) => u !== message.senderId);
  const pushes: Push[] = [];
  const jobs: Job[] = [];
  const rejected = message.isDeleted || message.failure ? null : await rejectIfRefused(deps, checks, message);
  if (rejected) pushes.push(...rejected);
  // why: a failed message is never announced (mentions, push notifications) to the others
  if (!message.isDeleted && !message.failure && !rejected) {
    const mentioned = message.mentions.filter((u) => u !== message.senderId && members.has(u));
    // why: mute (until its end) and notification level "none" are read per mentioned user here, off the send path
    const audience =
      mentioned.length === 0
        ? []
        : await mentionAudience(deps, message.conversationId, mentioned, deps.clock.now().toISOString());
    if (audience.length > 0) pushes.push(...(await notifyMentions(deps, audience, message)));
    // why: "alice added bob" is no reason to buzz phones; booking events (and users' messages) are
    if (message.systemMessageType === undefined || message.systemMessageType.startsWith('booking_'))
      jobs.push(...(await pushJobs(deps, message, recipients)));
    jobs.push(...contentJobs(conversation, message, options.linkPreviews));
  }
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  await deps.store.settleMessage(message.conversationId, message.id);
  return { result: { handled: true }, pushes };
}

/** Mention notifications, one per mentioned member who wants them (mentionAudience), keyed by the message: a second run stores no second one. */
async function notifyMentions(
  deps: MessageEventDeps,
  userIds: string[],
  message: { id: string; conversationId: string; seq: number; senderId: string } & Parameters<typeof previewOf>[0],
): Promise<Push[]> {
  const createdAt = deps.clock.now().toISOString();
  const list: Notification[] = userIds.map((userId) => ({
    id: `mention:${message.id}:${userId}`,
    userId,
    kind: 'mention',
    title: `${message.senderId} mentioned you`,
    body: previewOf(message),
    data: { conversationId: message.conversationId, messageId: message.id, seq: message.seq },
    channel: null,
    createdAt,
    acknowledgedAt: null,
    readAt: null,
  }));
  await deps.notifications.add(list);
  return list.map((n) => ({
    kind: 'event',
    hub: 'notifications',
    target: EVENTS.receiveNotification,
    payload: { ...n },
    to: { users: [n.userId] },
  }));
}

/** The slow content work after persisting: link previews (the text has a URL), auto-translation (someone opted in). */
function contentJobs(
  conversation: Parameters<typeof wantsAutoTranslation>[0],
  message: { id: string; conversationId: string; seq: number; senderId: string; content: string; type: string },
  linkPreviews: boolean,
): Job[] {
  // why: system messages (membership, title, booking) are the service's own words; clients render typed ones in
  // their own language, so neither previews nor translations are wanted
  if (message.type === 'system') return [];
  const ref = { conversationId: message.conversationId, messageId: message.id, seq: message.seq };
  const jobs: Job[] = [];
  if (linkPreviews && urlsIn(message.content, 1).length > 0)
    jobs.push({ queue: 'link-previews', id: linkPreviewJobId(message.id), body: ref satisfies LinkPreviewJob });
  if (message.content.trim() !== '' && wantsAutoTranslation(conversation, message.senderId))
    jobs.push({
      queue: 'translations',
      id: translationJobId(message.id),
      body: { ...ref, senderId: message.senderId } satisfies TranslationJob,
    });
  return jobs;
}

/**
 * Recipients with no live connection are pushed at once; those online get a scheduled check after the grace period
 * (serverless SignalR cannot tell whether the live event arrived: their MarkAsDelivered tells). The rules per
 * recipient (mute, level, blocks, preferences) run in the push consumer.
 */
async function pushJobs(
  deps: MessageEventDeps,
  message: { id: string; conversationId: string; seq: number; senderId: string },
  recipients: string[],
): Promise<Job[]> {
  if (recipients.length === 0) return [];
  const presence = (await deps.ephemeral.getPresence(recipients).catch(() => null)) ?? {};
  const online = recipients.filter((u) => (presence[u]?.connections ?? 0) > 0);
  const offline = recipients.filter((u) => (presence[u]?.connections ?? 0) === 0);
  const base = {
    conversationId: message.conversationId,
    messageId: message.id,
    seq: message.seq,
    senderId: message.senderId,
  };
  const job = (phase: PushJob['phase'], userIds: string[], notBefore?: Date): Job => ({
    queue: 'push-notifications',
    id: pushJobId(message.id, phase),
    body: { ...base, phase, userIds } satisfies PushJob,
    ...(notBefore && { notBefore }),
  });
  const jobs: Job[] = [];
  if (offline.length > 0) jobs.push(job('now', offline));
  if (online.length > 0)
    jobs.push(job('grace', online, new Date(deps.clock.now().getTime() + deps.pushGraceSeconds * 1000)));
  return jobs;
}
