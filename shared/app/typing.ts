import { EVENTS, type Outcome } from '../domain/events.js';
import { loadAsParticipant } from './access.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';
import { authorize, eventTo, signalAudience } from './policy.js';
import { admit } from './rate-policy.js';

export type TypingDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry' | 'limits'>;

export async function setTyping(
  deps: TypingDeps,
  caller: Caller,
  conversationId: string,
  isTyping: boolean,
): Promise<Outcome<{ accepted: boolean }>> {
  // why: stopping reaches nobody new, so only starting is refused in a blocked direct conversation
  const { conversation } = isTyping
    ? await authorize(deps, caller, conversationId, 'typing')
    : await loadAsParticipant(deps, caller, conversationId);
  // why: typing is a hint; over the limit (starts and stops alike) it is dropped without an error
  if (!(await admit(deps, isTyping ? 'typingStart' : 'typingStop', caller.userId)))
    return { result: { accepted: false }, pushes: [] };
  if (isTyping) {
    await quietly(deps, 'typing', () => deps.ephemeral.startTyping(conversationId, caller.userId));
  } else {
    await quietly(deps, 'typing', () => deps.ephemeral.stopTyping(conversationId, caller.userId));
  }
  const to = await signalAudience(deps, conversation, caller, true);
  return {
    result: { accepted: true },
    pushes: [eventTo(to, EVENTS.typing, { conversationId, userId: caller.userId, isTyping })],
  };
}

export async function typingUsers(
  deps: Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry'>,
  caller: Caller,
  conversationId: string,
): Promise<string[]> {
  await loadAsParticipant(deps, caller, conversationId);
  return (await quietly(deps, 'typing', () => deps.ephemeral.typingUsers(conversationId))) ?? [];
}
