/**
 * What a stored message owes the rest of the system, emitted by the send and re-emitted by a retried send or the
 * outbox sweep while the message still carries its outbox marker (`pendingSince`). Emitting twice is harmless: the
 * job id is deterministic (the queue drops the copy) and every consumer is idempotent.
 */
import { EVENTS, type RealtimeEvent, toGroup } from '../domain/events.js';
import { messageEventJobId } from '../domain/jobs.js';
import type { Message } from '../domain/message.js';
import type { Job } from '../domain/queues.js';
import { viewOf } from '../domain/rules.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';

export const messageEventJob = (m: Message): Job => ({
  queue: 'message-events',
  id: messageEventJobId(m.id),
  body: { conversationId: m.conversationId, messageId: m.id, seq: m.seq, senderId: m.senderId },
});

/**
 * `participants`: the conversation's, when the caller loaded it (delivery planning then reads nothing).
 * `suggestedResponses`: the quick replies of the conversation's template, carried along when it has some.
 */
export const messageReceivedPush = (
  m: Message,
  participants?: readonly string[],
  suggestedResponses?: string[],
): RealtimeEvent =>
  toGroup(
    m.conversationId,
    EVENTS.messageReceived,
    {
      ...viewOf(m),
      tempId: m.clientMessageId,
      ...(suggestedResponses !== undefined && suggestedResponses.length > 0 && { suggestedResponses }),
    },
    participants,
  );

/**
 * Enqueues the message's one job. A failure is logged, not thrown: the message is durable and still marked
 * pending, so a retried send or the sweep enqueues it again.
 */
export async function enqueueMessageEvent(deps: Pick<AppDeps, 'queue' | 'telemetry'>, m: Message): Promise<boolean> {
  const done = await quietly(deps, 'enqueue message-events', async () => {
    await deps.queue.enqueue([messageEventJob(m)]);
    return true;
  });
  if (done !== true) deps.telemetry.metric('OutboxEnqueueFailed', 1);
  return done === true;
}
