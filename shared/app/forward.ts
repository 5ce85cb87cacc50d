import { createHash } from 'node:crypto';
import { invalid } from '../domain/errors.js';
import type { Outcome, Push } from '../domain/events.js';
import type { MessageView } from '../domain/message.js';
import { loadMessage } from './access.js';
import type { Caller } from './deps.js';
import { type SendDeps, sendMessage } from './messages.js';
import { authorize } from './policy.js';

/**
 * The clientMessageId of a forwarded copy: deterministic, so a retry of the same forward finds the copies it stored
 * (the store keys it per conversation and sender, so the caller need not be in it). Hashed: the tempId goes to the
 * target's members, and the original's id should reach them only as forwardedFromId.
 */
export const forwardClientMessageId = (messageId: string): string =>
  `fwd:${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;

/**
 * Copies a message the caller can see into conversations they take part in. Each copy is a new message sent through
 * the normal send (seq order, idempotency, rate limit, blocks, pushes) and marked forwarded from the original's id;
 * nothing else of the original conversation travels. Every target is checked before the first copy is sent, so a
 * refusal (404 not a participant, 403 blocked) sends nothing; a retry returns the copies already stored.
 */
export async function forwardMessage(
  deps: SendDeps,
  caller: Caller,
  conversationId: string,
  messageId: string,
  targetIds: string[],
): Promise<Outcome<{ messages: MessageView[]; created: boolean }>> {
  const { message } = await loadMessage(deps, caller, conversationId, messageId);
  if (message.isDeleted) throw invalid('a deleted message cannot be forwarded', 'MESSAGE.DELETED');
  if (message.failure) throw invalid('a failed message cannot be forwarded', 'MESSAGE.FAILED');
  if (message.type === 'system') throw invalid('a system message cannot be forwarded', 'MESSAGE.NOT_FORWARDABLE');
  const targets = [...new Set(targetIds)];
  for (const target of targets) await authorize(deps, caller, target, 'send');
  const messages: MessageView[] = [];
  const pushes: Push[] = [];
  let created = false;
  for (const target of targets) {
    const sent = await sendMessage(deps, caller, target, {
      type: message.type,
      content: message.content,
      ...(message.attachments.length > 0 && { forwardedAttachments: message.attachments }),
      ...(message.location !== null && { location: message.location }),
      clientMessageId: forwardClientMessageId(messageId),
      forwardedFromId: message.forwardedFromId ?? message.id,
    });
    messages.push(sent.result.message);
    pushes.push(...sent.pushes);
    created ||= sent.result.created;
  }
  return { result: { messages, created }, pushes };
}
