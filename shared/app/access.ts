import type { Conversation, Participant } from '../domain/conversation.js';
import { invalid, notFound } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { inStayOf, joinedSeqOf, requireParticipant, shownTo } from '../domain/rules.js';
import type { AppDeps, Caller } from './deps.js';

export type StoreDeps = Pick<AppDeps, 'store'>;

/** The conversation, if the caller takes part in it; otherwise 404 whether or not it exists. */
export async function loadAsParticipant(
  deps: StoreDeps,
  caller: Caller,
  conversationId: string,
): Promise<{ conversation: Conversation; me: Participant }> {
  const conversation = await deps.store.getConversation(conversationId);
  if (conversation === null) throw notFound('Conversation');
  return { conversation, me: requireParticipant(conversation, caller.userId) };
}

/** A message of a conversation the caller takes part in, sent during their current stay, and not hidden by them. */
export async function loadMessage(
  deps: StoreDeps,
  caller: Caller,
  conversationId: string,
  messageId: string,
): Promise<{ conversation: Conversation; me: Participant; message: Message }> {
  const { conversation, me } = await loadAsParticipant(deps, caller, conversationId);
  const message = await deps.store.getMessage(conversationId, messageId);
  if (!message || !shownTo(message, caller.userId) || !inStayOf(message, joinedSeqOf(me))) throw notFound('Message');
  return { conversation, me, message };
}

/** The caller's realtime connection, for calls that only make sense on one (hub methods, connect/disconnect). */
export function requireConnection(caller: Caller): string {
  if (caller.connectionId === undefined)
    throw invalid('this call needs a realtime connection', 'HUB.CONNECTION_REQUIRED');
  return caller.connectionId;
}
