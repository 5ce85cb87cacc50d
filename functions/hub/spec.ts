// Seed 002's hub ("spec"): MessagingHub at /hubs/chat, used by the Vue `useMessaging` composable. Same use cases as
// the native hub; shapes from shared/contracts/spec.ts. Participants receive without joining, as the seed's
// OnConnectedAsync joins every conversation group (here: users are in the groups of their conversations).
import { initiateCall } from '../../shared/app/calls.js';
import { react, sendMessage } from '../../shared/app/messages.js';
import { connected, disconnected, ping } from '../../shared/app/presence.js';
import { markRead } from '../../shared/app/receipts.js';
import { hubOf } from '../../shared/contracts/dialects.js';
import { SPEC_METHODS, toSpecMessage } from '../../shared/contracts/spec.js';
import { invalid } from '../../shared/domain/errors.js';
import { seqOfMessageId } from '../../shared/domain/rules.js';
import { hubLifecycle, hubMethod } from '../../shared/runtime/hub.js';
import { typingMethods } from './typing-methods.js';

const hub = hubOf('spec', 'messaging')?.hub ?? 'spec_chat';
const M = SPEC_METHODS.messaging;

hubLifecycle(
  'connected',
  ({ runtime, userId, connectionId }) => connected(runtime.deps, { userId, connectionId }),
  hub,
);
hubLifecycle(
  'disconnected',
  ({ runtime, userId, connectionId }) => disconnected(runtime.deps, { userId, connectionId }),
  hub,
);

hubMethod({ hub, method: 'SendMessage', ...M.SendMessage }, async ({ runtime, userId, connectionId, args: [dto] }) => {
  const { conversationId, tempId, attachments, ...rest } = dto;
  const { result, pushes } = await sendMessage(runtime.deps, { userId, connectionId }, conversationId, {
    ...rest,
    ...(tempId !== undefined && { clientMessageId: tempId }),
    ...(attachments && attachments.length > 0 && { attachments }),
  });
  return { result: { message: toSpecMessage(result.message), tempId: result.tempId }, pushes };
});

hubMethod(
  { hub, method: 'MarkAsRead', ...M.MarkAsRead },
  async ({ runtime, userId, connectionId, args: [conversationId, last] }) => {
    const seq = typeof last === 'number' ? last : seqOfMessageId(conversationId, last);
    if (seq === null) throw invalid(`${String(last)} is not a message of ${conversationId}`, 'MESSAGE.ID_INVALID');
    return markRead(runtime.deps, { userId, connectionId }, conversationId, seq);
  },
);

typingMethods(hub, M);

hubMethod(
  { hub, method: 'AddReaction', ...M.AddReaction },
  async ({ runtime, userId, connectionId, args: [messageId, reaction] }) => {
    // why: a message id is `{conversationId}.{seq}`, so the conversation needs no lookup
    const dot = messageId.lastIndexOf('.');
    if (dot <= 0) throw invalid(`${messageId} is not a message id`, 'MESSAGE.ID_INVALID');
    const conversationId = messageId.slice(0, dot);
    return react(runtime.deps, { userId, connectionId }, conversationId, messageId, reaction, 'added');
  },
);

hubMethod(
  { hub, method: 'InitiateCall', ...M.InitiateCall },
  ({ runtime, userId, connectionId, args: [conversationId, callType] }) =>
    initiateCall(runtime.deps, { userId, connectionId }, conversationId, callType),
);

hubMethod({ hub, method: 'Ping', ...M.Ping }, ({ runtime, userId, connectionId }) =>
  ping(runtime.deps, { userId, connectionId }),
);
