import { randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { EVENTS, type Outcome } from '../domain/events.js';
import { loadAsParticipant } from './access.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';
import { authorize, eventTo, signalAudience } from './policy.js';
import { admit } from './rate-policy.js';

// Call signaling: the backend relays, it does not carry media. Calls in progress live in the ephemeral state, so
// only a real call of the conversation can be accepted, declined or ended; while that state is down, signals pass.

export type CallDeps = Pick<AppDeps, 'store' | 'clock' | 'ephemeral' | 'telemetry' | 'limits'>;

/** A call nobody ended is forgotten after this long (the longest call we expect). */
const CALL_TTL_SECONDS = 4 * 3600;

export const CALL_TYPES = ['audio', 'video'] as const;

export async function initiateCall(
  deps: CallDeps,
  caller: Caller,
  conversationId: string,
  callType: (typeof CALL_TYPES)[number],
): Promise<Outcome<{ callId: string; conversationId: string }>> {
  const { conversation } = await authorize(deps, caller, conversationId, 'call');
  await admit(deps, 'callStart', caller.userId);
  // why: call ids have always been bare UUIDs, not `ids.newId` ids; clients see them, so the format stays
  const callId = randomUUID();
  const to = await signalAudience(deps, conversation, caller);
  const others = 'users' in to ? to.users : conversation.participants.map((p) => p.userId);
  await quietly(deps, 'call state', () => deps.ephemeral.putCall(conversationId, callId, CALL_TTL_SECONDS));
  return {
    result: { callId, conversationId },
    pushes: [
      eventTo({ users: others.filter((u) => u !== caller.userId) }, EVENTS.incomingCall, {
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
  // why: declining or ending only stops a call, so a block refuses accepting only
  const { conversation } =
    what === 'accepted'
      ? await authorize(deps, caller, conversationId, 'call')
      : await loadAsParticipant(deps, caller, conversationId);
  await admit(deps, 'callSignal', caller.userId);
  const known = await quietly(deps, 'call state', () =>
    what === 'ended'
      ? deps.ephemeral.deleteCall(conversationId, callId)
      : deps.ephemeral.hasCall(conversationId, callId),
  );
  if (known === false)
    throw new AppError(
      'not_found',
      'CALL.NOT_FOUND',
      'Call not found: no call with this id is ringing or going on here',
    );
  const to = await signalAudience(deps, conversation, caller);
  const target =
    what === 'accepted' ? EVENTS.callAccepted : what === 'declined' ? EVENTS.callDeclined : EVENTS.callEnded;
  return {
    result: { callId },
    pushes: [
      eventTo(to, target, {
        callId,
        conversationId,
        userId: caller.userId,
        at: deps.clock.now().toISOString(),
      }),
    ],
  };
}
