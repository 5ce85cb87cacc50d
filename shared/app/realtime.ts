import { randomUUID } from 'node:crypto';
import { AppError, invalid } from '../domain/errors.js';
import { conversationGroup, EVENTS, type Outcome, type Push, toGroup, toUsers } from '../domain/events.js';
import { messageIdOf } from '../domain/rules.js';
import type { PresenceInfo, PresenceStatus } from '../ports/ephemeral.js';
import { loadAsParticipant } from './access.js';
import type { AppDeps, Caller } from './deps.js';

/** Ephemeral state must never break what is durable: failures are logged and the caller goes on. */
export async function quietly<T>(deps: AppDeps, what: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    deps.telemetry.log('warn', `${what} failed`, { error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/** Throws rate_limited when the user's bucket is empty. If the limiter itself is down, the call is let through. */
export async function enforceRate(deps: AppDeps, bucket: string, perMinute: number, what: string): Promise<void> {
  const decision = await quietly(deps, 'rate limiter', () => deps.ephemeral.take(bucket, perMinute, 60));
  if (decision && !decision.allowed) {
    deps.telemetry.metric('RateLimitHit', 1, { bucket: bucket.split(':')[0] ?? bucket });
    throw new AppError(
      'rate_limited',
      'RATE_LIMITED',
      `rate limit exceeded: at most ${perMinute} ${what} per minute; retry after ${decision.retryAfterSeconds} s`,
      {
        retryAfterSeconds: decision.retryAfterSeconds,
      },
    );
  }
}

/** Everyone who shares a conversation with the user (the audience of their presence). */
export async function contactsOf(deps: AppDeps, userId: string): Promise<string[]> {
  const memberships = await deps.store.allMemberships(userId);
  const recent = memberships.sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : -1)).slice(0, 500);
  const conversations = await Promise.all(recent.map((m) => deps.store.getConversation(m.conversationId)));
  const contacts = new Set<string>();
  for (const c of conversations) for (const p of c?.participants ?? []) if (p.userId !== userId) contacts.add(p.userId);
  return [...contacts];
}

export async function setTyping(
  deps: AppDeps,
  caller: Caller,
  conversationId: string,
  isTyping: boolean,
): Promise<Outcome<{ accepted: boolean }>> {
  await loadAsParticipant(deps, caller, conversationId);
  if (isTyping) {
    // why: typing is a hint; over the limit it is dropped without an error
    const decision = await quietly(deps, 'rate limiter', () =>
      deps.ephemeral.take(`typing:${caller.userId}`, deps.limits.typingPerMinute, 60),
    );
    if (decision && !decision.allowed) return { result: { accepted: false }, pushes: [] };
    await quietly(deps, 'typing', () => deps.ephemeral.startTyping(conversationId, caller.userId));
  } else {
    await quietly(deps, 'typing', () => deps.ephemeral.stopTyping(conversationId, caller.userId));
  }
  return {
    result: { accepted: true },
    pushes: [toGroup(conversationId, EVENTS.typing, { conversationId, userId: caller.userId, isTyping })],
  };
}

export async function typingUsers(deps: AppDeps, caller: Caller, conversationId: string): Promise<string[]> {
  await loadAsParticipant(deps, caller, conversationId);
  return (await quietly(deps, 'typing', () => deps.ephemeral.typingUsers(conversationId))) ?? [];
}

/** Adds this connection to the conversation's group (participants only). */
export async function joinConversation(
  deps: AppDeps,
  caller: Caller,
  conversationId: string,
): Promise<Outcome<{ conversationId: string; lastSeq: number; typing: string[] }>> {
  const connectionId = requireConnection(caller);
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  const typing = (await quietly(deps, 'typing', () => deps.ephemeral.typingUsers(conversationId))) ?? [];
  return {
    result: { conversationId, lastSeq: conversation.lastSeq, typing: typing.filter((u) => u !== caller.userId) },
    pushes: [{ kind: 'group', action: 'add', group: conversationGroup(conversationId), connectionId }],
  };
}

export function leaveConversation(caller: Caller, conversationId: string): Outcome<{ conversationId: string }> {
  const connectionId = requireConnection(caller);
  return {
    result: { conversationId },
    pushes: [{ kind: 'group', action: 'remove', group: conversationGroup(conversationId), connectionId }],
  };
}

function requireConnection(caller: Caller): string {
  if (caller.connectionId === undefined)
    throw invalid('this call needs a realtime connection', 'HUB.CONNECTION_REQUIRED');
  return caller.connectionId;
}

/** A recipient's device got messages up to seq: the others (the senders) see OnMessageDelivered. */
export async function markDelivered(
  deps: AppDeps,
  caller: Caller,
  conversationId: string,
  seq: number,
): Promise<Outcome<{ conversationId: string; lastDeliveredSeq: number }>> {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  const target = Math.min(seq, conversation.lastSeq);
  let moved = false;
  const m = await deps.store.updateMembership(caller.userId, conversationId, (x) => {
    moved = target > x.lastDeliveredSeq;
    return moved ? { ...x, lastDeliveredSeq: target } : null;
  });
  const lastDeliveredSeq = m?.lastDeliveredSeq ?? target;
  const deliveredAt = deps.clock.now().toISOString();
  if (moved) {
    const message = await deps.store.getMessage(conversationId, messageIdOf(conversationId, lastDeliveredSeq));
    if (message)
      deps.telemetry.metric('MessageDeliveryLatencyMs', Date.parse(deliveredAt) - Date.parse(message.createdAt));
  }
  return {
    result: { conversationId, lastDeliveredSeq },
    pushes: moved
      ? [
          toGroup(conversationId, EVENTS.messageDelivered, {
            conversationId,
            userId: caller.userId,
            seq: lastDeliveredSeq,
            deliveredAt,
          }),
        ]
      : [],
  };
}

export async function connected(deps: AppDeps, caller: Caller): Promise<Push[]> {
  const connectionId = requireConnection(caller);
  const r = await quietly(deps, 'presence', () => deps.ephemeral.connect(caller.userId, connectionId));
  deps.telemetry.metric('ConnectionOpened', 1);
  if (!r?.firstConnection) return [];
  // why: someone who chose to appear offline must not be announced when a device connects
  const me = (await quietly(deps, 'presence', () => deps.ephemeral.getPresence([caller.userId])))?.[caller.userId];
  if (me && !me.isOnline) return [];
  const contacts = await contactsOf(deps, caller.userId);
  return contacts.length > 0
    ? [toUsers(contacts, EVENTS.userOnline, { userId: caller.userId, status: me?.status ?? 'online' })]
    : [];
}

export async function disconnected(deps: AppDeps, caller: Caller): Promise<Push[]> {
  const connectionId = requireConnection(caller);
  const r = await quietly(deps, 'presence', () => deps.ephemeral.disconnect(caller.userId, connectionId));
  deps.telemetry.metric('ConnectionClosed', 1);
  if (!r?.lastConnection) return [];
  const contacts = await contactsOf(deps, caller.userId);
  return contacts.length > 0
    ? [toUsers(contacts, EVENTS.userOffline, { userId: caller.userId, lastSeen: r.lastSeen })]
    : [];
}

export async function updatePresence(
  deps: AppDeps,
  caller: Caller,
  status: PresenceStatus,
  statusMessage: string | null,
): Promise<Outcome<PresenceInfo>> {
  const info = await deps.ephemeral.setStatus(caller.userId, status, statusMessage);
  const contacts = await contactsOf(deps, caller.userId);
  const pushes =
    contacts.length === 0
      ? []
      : [
          info.isOnline
            ? toUsers(contacts, EVENTS.userOnline, {
                userId: caller.userId,
                status: info.status,
                statusMessage: info.statusMessage,
              })
            : toUsers(contacts, EVENTS.userOffline, { userId: caller.userId, lastSeen: info.lastSeen }),
        ];
  return { result: info, pushes };
}

export async function getPresence(deps: AppDeps, userIds: string[]): Promise<Record<string, PresenceInfo>> {
  return deps.ephemeral.getPresence([...new Set(userIds)]);
}

export const CALL_TYPES = ['audio', 'video'] as const;

/** Call signaling: the backend relays, it does not carry media. */
export async function initiateCall(
  deps: AppDeps,
  caller: Caller,
  conversationId: string,
  callType: (typeof CALL_TYPES)[number],
): Promise<Outcome<{ callId: string; conversationId: string }>> {
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
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
  deps: AppDeps,
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
