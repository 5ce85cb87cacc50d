/**
 * Typed system messages the service posts itself: membership and title changes (sent as the user who made them) and
 * booking events (sent as SYSTEM_SENDER). They take a seq like any message (clients see them in order and can catch
 * up on them), skip the checks a user's send passes (the change that causes them was authorized already), and go
 * through the same outbox: push to the group now, message-events job for the inbox fan-out.
 */
import type { Conversation } from '../domain/conversation.js';
import { newMessage } from '../domain/defaults.js';
import type { Push } from '../domain/events.js';
import type { Message, SystemMessageType } from '../domain/message.js';
import { quietly } from './best-effort.js';
import type { AppDeps } from './deps.js';
import { enqueueMessageEvent, messageReceivedPush } from './send-effects.js';

export type SystemMessageDeps = Pick<AppDeps, 'store' | 'clock' | 'queue' | 'telemetry'>;

export interface SystemMessageInput {
  type: SystemMessageType;
  data: Record<string, unknown>;
  /** The English rendering, for clients that do not know the type. */
  content: string;
  senderId: string;
  /** Makes the post idempotent (a redelivered booking event posts once). */
  clientMessageId?: string;
}

/** Appends the message; its push and job. A repeated clientMessageId stores nothing and returns the first message. */
export async function postSystemMessage(
  deps: SystemMessageDeps,
  conversation: Conversation,
  input: SystemMessageInput,
): Promise<{ message: Message; created: boolean; pushes: Push[] }> {
  const now = deps.clock.now().toISOString();
  const { message, created } = await deps.store.appendMessage({
    ...newMessage({
      conversationId: conversation.id,
      senderId: input.senderId,
      type: 'system',
      content: input.content,
      ...(input.clientMessageId !== undefined && { clientMessageId: input.clientMessageId }),
      createdAt: now,
      retentionDays: conversation.retentionDays,
      systemMessageType: input.type,
      systemMessageData: input.data,
    }),
    pendingSince: now,
  });
  if (!created && message.pendingSince === undefined) return { message, created, pushes: [] };
  deps.telemetry.event('SystemMessagePosted', { systemMessageType: input.type, conversationType: conversation.type });
  const isParticipant = conversation.participants.some((p) => p.userId === input.senderId);
  await Promise.all([
    enqueueMessageEvent(deps, message),
    isParticipant &&
      quietly(deps, 'sender read mark', () =>
        deps.store.advanceMemberships(conversation.id, [input.senderId], {
          seq: message.seq,
          at: now,
          senderId: input.senderId,
        }),
      ),
  ]);
  return {
    message,
    created,
    pushes: [
      messageReceivedPush(
        message,
        conversation.participants.map((p) => p.userId),
        conversation.suggestedResponses,
      ),
    ],
  };
}
