import { z } from 'zod';
import { sendMessage } from '../../shared/app/messages.js';
import { markRead } from '../../shared/app/reads.js';
import * as rt from '../../shared/app/realtime.js';
import { SendMessageBodySchema } from '../../shared/domain/message.js';
import { IdSchema } from '../../shared/domain/schemas-common.js';
import { hubLifecycle, hubMethod } from '../../shared/runtime/hub.js';

const SendArgs = z.tuple([SendMessageBodySchema.extend({ conversationId: IdSchema })]);
const ConversationArg = z.tuple([IdSchema]);
const ConversationSeqArgs = z.tuple([IdSchema, z.number().int().nonnegative()]);
const CallArgs = z.tuple([IdSchema, IdSchema]);

hubLifecycle('connected', ({ runtime, userId, connectionId }) => rt.connected(runtime.deps, { userId, connectionId }));
hubLifecycle('disconnected', ({ runtime, userId, connectionId }) =>
  rt.disconnected(runtime.deps, { userId, connectionId }),
);

hubMethod(
  {
    method: 'SendMessage',
    summary: 'Send a message; returns the stored message (idempotent by clientMessageId)',
    args: SendArgs,
  },
  async ({ runtime, userId, connectionId, args: [input] }) => {
    const { conversationId, ...body } = input;
    const { result, pushes } = await sendMessage(runtime.deps, { userId, connectionId }, conversationId, body);
    await rt.quietly(runtime.deps, 'presence', () => runtime.deps.ephemeral.touch(userId, connectionId));
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
    const { result, pushes } = await rt.markDelivered(runtime.deps, { userId, connectionId }, conversationId, seq);
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
    const { pushes } = await rt.setTyping(runtime.deps, { userId, connectionId }, conversationId, true);
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
    const { pushes } = await rt.setTyping(runtime.deps, { userId, connectionId }, conversationId, false);
    return { pushes };
  },
);

hubMethod(
  {
    method: 'JoinConversation',
    summary: 'Receive the conversation’s events on this connection (participants only)',
    args: ConversationArg,
  },
  async ({ runtime, userId, connectionId, args: [conversationId] }) => {
    const { result, pushes } = await rt.joinConversation(runtime.deps, { userId, connectionId }, conversationId);
    await rt.quietly(runtime.deps, 'presence', () => runtime.deps.ephemeral.touch(userId, connectionId));
    return { result, pushes };
  },
);

hubMethod(
  {
    method: 'LeaveConversation',
    summary: 'Stop receiving the conversation’s events on this connection',
    args: ConversationArg,
  },
  ({ userId, connectionId, args: [conversationId] }) =>
    Promise.resolve(rt.leaveConversation({ userId, connectionId }, conversationId)),
);

hubMethod(
  {
    method: 'Ping',
    summary: 'Health check; refreshes presence',
    args: z.tuple([]),
  },
  async ({ runtime, userId, connectionId }) => {
    await rt.quietly(runtime.deps, 'presence', () => runtime.deps.ephemeral.touch(userId, connectionId));
    return { result: 'pong' };
  },
);

hubMethod(
  {
    method: 'InitiateCall',
    summary: 'Ring the other participants (IncomingCall)',
    args: z.tuple([IdSchema, z.enum(rt.CALL_TYPES)]),
  },
  async ({ runtime, userId, connectionId, args: [conversationId, callType] }) =>
    rt.initiateCall(runtime.deps, { userId, connectionId }, conversationId, callType),
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
      rt.signalCall(runtime.deps, { userId, connectionId }, conversationId, callId, what),
  );
}
