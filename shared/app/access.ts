import type { Conversation, Participant } from '../domain/conversation.js';
import { notFound } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { requireParticipant, visibleTo } from '../domain/rules.js';
import type { AppDeps, Caller } from './deps.js';

/** The conversation, if the caller takes part in it; otherwise 404 whether or not it exists. */
export async function loadAsParticipant(
  deps: AppDeps,
  caller: Caller,
  conversationId: string,
): Promise<{ conversation: Conversation; me: Participant }> {
  const conversation = await deps.store.getConversation(conversationId);
  const me = requireParticipant(conversation, caller.userId);
  return { conversation: conversation as Conversation, me };
}

/** A message of a conversation the caller takes part in and has not hidden. */
export async function loadMessage(
  deps: AppDeps,
  caller: Caller,
  conversationId: string,
  messageId: string,
): Promise<{ conversation: Conversation; me: Participant; message: Message }> {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  const message = await deps.store.getMessage(conversationId, messageId);
  if (!message || !visibleTo(message, caller.userId)) throw notFound('Message');
  return { conversation, me, message };
}
