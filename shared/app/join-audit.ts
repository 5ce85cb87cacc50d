// The audit trail of join attempts (seed 000: "All join attempts logged"): granted and refused, as structured events.
import { AppError } from '../domain/errors.js';
import type { Caller } from './deps.js';
import { type JoinDeps, joinConversation } from './subscriptions.js';

/** JoinConversation, with a `ConversationJoinAttempt` event for every attempt, whatever its outcome. */
export async function auditedJoin(deps: JoinDeps, caller: Caller, conversationId: string, hub: string) {
  const base = { conversationId, userId: caller.userId, connectionId: caller.connectionId ?? '', hub };
  try {
    const outcome = await joinConversation(deps, caller, conversationId);
    deps.telemetry.event('ConversationJoinAttempt', { ...base, outcome: 'granted' });
    return outcome;
  } catch (e) {
    const reason = e instanceof AppError ? e.code : 'ERROR';
    deps.telemetry.event('ConversationJoinAttempt', { ...base, outcome: 'refused', reason });
    deps.telemetry.log('warn', 'conversation join refused', { ...base, reason });
    throw e;
  }
}
