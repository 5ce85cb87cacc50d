/**
 * A queued step rejects a message that was already stored and pushed (e.g. the attachment scanner found it infected):
 * the message becomes `failed` with a reason code and text.
 *
 * - Its sender keeps it, shown as status `failed` with `failureCode`/`failureReason` (lists, detail, search), and gets
 *   OnMessageUpdated with that message.
 * - Everyone else loses it: it leaves their lists, search, unread count and the inbox preview ("Message removed"), it
 *   can no longer be read, replied to, reacted to or forwarded by them, and they get OnMessageDeleted
 *   `{forEveryone: true, reason: 'failed'}` to drop the copy they received live. (In conversations delivered through
 *   a group send, the sender's devices may get that OnMessageDeleted too: `reason: 'failed'` tells them to keep it.)
 * - Idempotent: a message already failed (or deleted) is left as it is and nothing is pushed, so a redelivered job is
 *   harmless. The first failure wins.
 */
import { z } from 'zod';
import { EVENTS, type Outcome, toOthersInGroup, toUsers } from '../domain/events.js';
import type { MessageView } from '../domain/message.js';
import { viewOf } from '../domain/rules.js';
import type { AppDeps } from './deps.js';
import { viewerStates } from './message-status.js';
import { leaveOutOfUnread } from './unread.js';

/** What a queued step passes to reject a message: dotted upper-case code (`ATTACHMENT.INFECTED`) and words for its sender. */
export const MessageRejectionSchema = z.strictObject({
  conversationId: z.string().min(1),
  messageId: z.string().min(1),
  code: z
    .string()
    .max(64)
    .regex(/^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)*$/, 'a dotted upper-case code such as ATTACHMENT.INFECTED'),
  reason: z.string().trim().min(1).max(500),
});
export type MessageRejection = z.infer<typeof MessageRejectionSchema>;

export type FailureDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'clock' | 'telemetry'>;

/** Marks a stored message failed (see the module comment). `failed` false: gone, deleted, or failed before. */
export async function failMessage(
  deps: FailureDeps,
  rejection: MessageRejection,
): Promise<Outcome<{ failed: boolean; message: MessageView | null }>> {
  const { conversationId, messageId, code, reason } = MessageRejectionSchema.parse(rejection);
  const [conversation, current] = await Promise.all([
    deps.store.getConversation(conversationId),
    deps.store.getMessage(conversationId, messageId),
  ]);
  if (!conversation || !current) return { result: { failed: false, message: null }, pushes: [] };
  const failedAt = deps.clock.now().toISOString();
  let changed = false;
  const message = await deps.store.updateMessage(conversationId, messageId, (m) => {
    changed = m.failure === undefined && !m.isDeleted;
    return changed ? { ...m, failure: { code, reason, failedAt } } : null;
  });
  if (!changed) return { result: { failed: false, message: null }, pushes: [] };
  deps.telemetry.event('MessageFailed', { code });
  deps.telemetry.log('warn', 'message rejected after it was stored', { conversationId, messageId, code });
  const others = conversation.participants.map((p) => p.userId).filter((u) => u !== message.senderId);
  await leaveOutOfUnread(deps, conversationId, others, message.seq);
  const view = viewOf(message, (await viewerStates(deps, conversation, message.senderId, [message]))(message));
  const seq = message.seq;
  return {
    result: { failed: true, message: view },
    pushes: [
      toUsers([message.senderId], EVENTS.messageUpdated, { conversationId, messageId, seq, message: view }),
      toOthersInGroup(
        conversationId,
        EVENTS.messageDeleted,
        { conversationId, messageId, seq, deletedBy: message.senderId, forEveryone: true, reason: 'failed' },
        undefined,
        message.senderId,
      ),
    ],
  };
}
