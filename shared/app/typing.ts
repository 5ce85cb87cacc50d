import { EVENTS, type Outcome, toOthersInGroup } from '../domain/events.js';
import { loadAsParticipant } from './access.js';
import { quietly, takeToken } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';

export type TypingDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry' | 'limits'>;

export async function setTyping(
  deps: TypingDeps,
  caller: Caller,
  conversationId: string,
  isTyping: boolean,
): Promise<Outcome<{ accepted: boolean }>> {
  await loadAsParticipant(deps, caller, conversationId);
  if (isTyping) {
    // why: typing is a hint; over the limit it is dropped without an error
    const decision = await takeToken(deps, `typing:${caller.userId}`, deps.limits.typingPerMinute);
    if (decision && !decision.allowed) return { result: { accepted: false }, pushes: [] };
    await quietly(deps, 'typing', () => deps.ephemeral.startTyping(conversationId, caller.userId));
  } else {
    await quietly(deps, 'typing', () => deps.ephemeral.stopTyping(conversationId, caller.userId));
  }
  return {
    result: { accepted: true },
    pushes: [
      toOthersInGroup(
        conversationId,
        EVENTS.typing,
        { conversationId, userId: caller.userId, isTyping },
        caller.connectionId,
      ),
    ],
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
