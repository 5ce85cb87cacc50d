import { randomUUID } from 'node:crypto';
import { EVENTS, type Outcome, toGroup, toUsers } from '../domain/events.js';
import { loadAsParticipant } from './access.js';
import type { AppDeps, Caller } from './deps.js';

// Call signaling: the backend relays, it does not carry media.

export type CallDeps = Pick<AppDeps, 'store' | 'clock'>;

export const CALL_TYPES = ['audio', 'video'] as const;

export async function initiateCall(
  deps: CallDeps,
  caller: Caller,
  conversationId: string,
  callType: (typeof CALL_TYPES)[number],
): Promise<Outcome<{ callId: string; conversationId: string }>> {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  // why: call ids have always been bare UUIDs, not `ids.newId` ids; clients see them, so the format stays
  const callId = randomUUID();
  const others = conversation.participants.map((p) => p.userId).filter((u) => u !== caller.userId);
  return {
    result: { callId, conversationId },
    pushes: [
      toUsers(others, EVENTS.incomingCall, {
        callId,
        conversationId,
        callerId: caller.userId,
        callType,
        startedAt: deps.clock.now().toISOString(),
      }),
    ],
  };
}

export async function signalCall(
  deps: CallDeps,
  caller: Caller,
  conversationId: string,
  callId: string,
  what: 'accepted' | 'declined' | 'ended',
): Promise<Outcome<{ callId: string }>> {
  await loadAsParticipant(deps, caller, conversationId);
  const target =
    what === 'accepted' ? EVENTS.callAccepted : what === 'declined' ? EVENTS.callDeclined : EVENTS.callEnded;
  return {
    result: { callId },
    pushes: [
      toGroup(conversationId, target, {
        callId,
        conversationId,
        userId: caller.userId,
        at: deps.clock.now().toISOString(),
      }),
    ],
  };
}
