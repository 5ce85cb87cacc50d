// Reveal: the clear text of a message's masked sensitive data, to a participant who asks, each time audited.
import { openText, sealingContext } from '../domain/content/cipher.js';
import { AppError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import type { AppDeps, Caller } from './deps.js';

export type RevealDeps = Pick<AppDeps, 'content' | 'telemetry' | 'clock'>;

/**
 * The message's clear content, opened with its conversation's data key of the message's key version (so messages
 * sealed before a key rotation stay readable). The caller was checked as a participant who may see the message.
 * A `MessageRevealed` audit event (who, when, which message; never the text) is written for every reveal.
 */
export async function revealContent(deps: RevealDeps, caller: Caller, message: Message): Promise<string> {
  if (message.sealed === undefined || message.keyVersion === undefined || message.isDeleted) return message.content;
  let key: Buffer;
  try {
    key = await deps.content.keys.get(message.conversationId, message.keyVersion);
  } catch (e) {
    deps.telemetry.log('error', 'content keys unavailable', { error: e instanceof Error ? e.message : String(e) });
    throw new AppError(
      'unavailable',
      'CONTENT.KEYS_UNAVAILABLE',
      'the key of this message is unavailable; retry shortly',
      {
        retryAfterSeconds: 5,
      },
    );
  }
  const clear = openText(key, message.sealed, sealingContext(message.conversationId, message.senderId));
  const audit = {
    conversationId: message.conversationId,
    messageId: message.id,
    userId: caller.userId,
    at: deps.clock.now().toISOString(),
    keyVersion: message.keyVersion,
  };
  deps.telemetry.event('MessageRevealed', audit);
  deps.telemetry.log('info', 'message revealed', audit);
  return clear;
}
