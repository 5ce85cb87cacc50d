import { z } from 'zod';
import { CALL_TYPES, initiateCall, signalCall } from '../../shared/app/calls.js';
import { auditedJoin } from '../../shared/app/join-audit.js';
import { sendMessage } from '../../shared/app/messages.js';
import { connected, disconnected, ping } from '../../shared/app/presence.js';
import { markDelivered, markRead } from '../../shared/app/receipts.js';
import { leaveConversation } from '../../shared/app/subscriptions.js';
import { setTyping } from '../../shared/app/typing.js';
import { SendMessageBodySchema } from '../../shared/domain/message.js';
import { IdSchema } from '../../shared/domain/schemas-common.js';
import { hubLifecycle, hubMethod } from '../../shared/runtime/hub.js';

const SendArgs = z.tuple([SendMessageBodySchema.extend({ conversationId: IdSchema })]);
const ConversationArg = z.tuple([IdSchema]);
const ConversationSeqArgs = z.tuple([IdSchema, z.number().int().nonnegative()]);
const CallArgs = z.tuple([IdSchema, IdSchema]);

hubLifecycle('connected', ({ runtime, userId, connectionId }) => connected(runtime.deps, { userId, connectionId }));
hubLifecycle('disconnected', ({ runtime, userId, connectionId }) =>
  disconnected(runtime.deps, { userId, connectionId }),
);

hubMethod(
  {
    method: 'SendMessage',
    summary: 'Send a message; returns the stored message (idempotent by clientMessageId)',
    args: SendArgs,
    // why: one host process pushes a conversation's messages in seq order (README, Performance)
    orderBy: ([input]) => input.conversationId,
  },
  async ({ runtime, userId, connectionId, args: [input] }) => {
    const { conversationId, ...body } = input;
    const { result, pushes } = await sendMessage(runtime.deps, { userId, connectionId }, conversationId, body);
    return { result: { ...result.message, tempId: result.tempId }, pushes };
  },
);

hubMethod(
  {
    method: 'MarkAsRead',
    summary: 'Mark read up to seq',
    args: ConversationSeqArgs,
  },
  async ({ runtime, userId, connectionId, args: [conversationId, seq] }) => {
    const { result, pushes } = await markRead(runtime.deps, { userId, connectionId }, conversationId, seq);
    return { result, pushes };
  },
);

hubMethod(
  {
    method: 'MarkAsDelivered',
    summary: 'This device received messages up to seq',
    args: ConversationSeqArgs,
  },
  async ({ runtime, userId, connectionId, args: [conversationId, seq] }) => {
    const { result, pushes } = await markDelivered(runtime.deps, { userId, connectionId }, conversationId, seq);
    return { result, pushes };
  },
);

hubMethod(
  {
    method: 'StartTyping',
    summary: 'Typing for the next 10 s (over 10/min dropped silently)',
    args: ConversationArg,
  },
  async ({ runtime, userId, connectionId, args: [conversationId] }) => {
    const { pushes } = await setTyping(runtime.deps, { userId, connectionId }, conversationId, true);
    return { pushes };
  },
);

hubMethod(
  {
    method: 'StopTyping',
    summary: 'Stopped typing',
    args: ConversationArg,
  },
  async ({ runtime, userId, connectionId, args: [conversationId] }) => {
    const { pushes } = await setTyping(runtime.deps, { userId, connectionId }, conversationId, false);
    return { pushes };
  },
);

hubMethod(
  {
    method: 'JoinConversation',
    summary: 'Receive the conversation’s events on this connection (participants only)',
    args: ConversationArg,
  },
  async ({ runtime, userId, connectionId, args: [conversationId] }) =>
    auditedJoin(runtime.deps, { userId, connectionId }, conversationId, 'messaging'),
);

hubMethod(
  {
    method: 'LeaveConversation',
    summary: 'Stop receiving the conversation’s events on this connection',
    args: ConversationArg,
  },
  ({ userId, connectionId, args: [conversationId] }) =>
    Promise.resolve(leaveConversation({ userId, connectionId }, conversationId)),
);

hubMethod(
  {
    method: 'Ping',
    summary: 'Health check; refreshes presence',
    args: z.tuple([]),
  },
  ({ runtime, userId, connectionId }) => ping(runtime.deps, { userId, connectionId }),
);

hubMethod(
  {
    method: 'InitiateCall',
    summary: 'Ring the other participants (IncomingCall)',
    args: z.tuple([IdSchema, z.enum(CALL_TYPES)]),
  },
  async ({ runtime, userId, connectionId, args: [conversationId, callType] }) =>
    initiateCall(runtime.deps, { userId, connectionId }, conversationId, callType),
);

for (const [method, what] of [
  ['AcceptCall', 'accepted'],
  ['DeclineCall', 'declined'],
  ['EndCall', 'ended'],
] as const) {
  hubMethod(
    {
      method,
      summary: `Call ${what} (Call${what[0]?.toUpperCase()}${what.slice(1)} to the conversation)`,
      args: CallArgs,
    },
    async ({ runtime, userId, connectionId, args: [conversationId, callId] }) =>
      signalCall(runtime.deps, { userId, connectionId }, conversationId, callId, what),
  );
}
