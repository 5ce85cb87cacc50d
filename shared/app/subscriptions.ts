// Which connections receive a conversation's events: the hub's JoinConversation and LeaveConversation.
import { conversationGroup, type Outcome } from '../domain/events.js';
import { loadAsParticipant, requireConnection } from './access.js';
import { quietly } from './best-effort.js';
import type { AppDeps, Caller } from './deps.js';
import { refreshPresence } from './presence.js';

export type JoinDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry'>;

/** Adds this connection to the conversation's group (participants only) and says who is typing there now. */
export async function joinConversation(
  deps: JoinDeps,
  caller: Caller,
  conversationId: string,
): Promise<Outcome<{ conversationId: string; lastSeq: number; typing: string[] }>> {
  const connectionId = requireConnection(caller);
  const { conversation } = await loadAsParticipant(deps, caller, conversationId);
  const typing = (await quietly(deps, 'typing', () => deps.ephemeral.typingUsers(conversationId))) ?? [];
  await refreshPresence(deps, caller);
  return {
    result: { conversationId, lastSeq: conversation.lastSeq, typing: typing.filter((u) => u !== caller.userId) },
    pushes: [{ kind: 'group', action: 'add', group: conversationGroup(conversationId), connectionId }],
  };
}

/** Removes this connection from the conversation's group; the caller stays a participant. */
export function leaveConversation(caller: Caller, conversationId: string): Outcome<{ conversationId: string }> {
  const connectionId = requireConnection(caller);
  return {
    result: { conversationId },
    pushes: [{ kind: 'group', action: 'remove', group: conversationGroup(conversationId), connectionId }],
  };
}
