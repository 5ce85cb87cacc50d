import { z } from 'zod';
import * as conversations from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import {
  AddParticipantsBodySchema,
  ArchiveBodySchema,
  ChangeRoleBodySchema,
  ConversationIdParamsSchema,
  CreateConversationBodySchema,
  InboxQuerySchema,
  MuteBodySchema,
  NotificationLevelBodySchema,
  PinBodySchema,
  RemoveParticipantBodySchema,
  UpdateConversationBodySchema,
} from '../../shared/domain/conversation.js';
import { IdSchema } from '../../shared/domain/schemas-common.js';
import { route } from '../../shared/runtime/routes.js';

const BASE = 'v1/messaging/conversations';
const ONE = `${BASE}/{conversationId}`;
const ParticipantParams = z.strictObject({ conversationId: IdSchema, userId: IdSchema });
const RoleBody = ChangeRoleBodySchema.omit({ userId: true });

route(
  {
    name: 'conversations-list',
    method: 'GET',
    path: BASE,
    summary: 'The caller’s inbox',
    query: InboxQuerySchema,
  },
  async ({ runtime, userId, query }) => ({
    status: 200,
    body: await listInbox(runtime.deps, { userId }, query),
  }),
);

route(
  {
    name: 'conversations-create',
    method: 'POST',
    path: BASE,
    summary: 'Create a conversation (a direct one is returned again if it exists)',
    body: CreateConversationBodySchema,
    success: 201,
  },
  async ({ runtime, userId, body }) => {
    const { result, pushes } = await conversations.createConversation(runtime.deps, { userId }, body);
    return {
      status: result.created ? 201 : 200,
      body: { conversationId: result.conversationId, conversation: result.conversation, created: result.created },
      pushes,
    };
  },
);

route(
  {
    name: 'conversations-get',
    method: 'GET',
    path: ONE,
    summary: 'Conversation details',
    params: ConversationIdParamsSchema,
  },
  async ({ runtime, userId, params }) => ({
    status: 200,
    body: await conversations.getConversation(runtime.deps, { userId }, params.conversationId),
  }),
);

route(
  {
    name: 'conversations-update',
    method: 'PUT',
    path: ONE,
    summary: 'Change title, description or image (admins)',
    params: ConversationIdParamsSchema,
    body: UpdateConversationBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.updateConversation(
      runtime.deps,
      { userId },
      params.conversationId,
      body,
    );
    return { status: 200, body: { conversation: result }, pushes };
  },
);

route(
  {
    name: 'conversations-leave',
    method: 'DELETE',
    path: ONE,
    summary: 'Leave the conversation',
    params: ConversationIdParamsSchema,
    success: 204,
  },
  async ({ runtime, userId, params }) => {
    const { pushes } = await conversations.removeParticipant(runtime.deps, { userId }, params.conversationId, userId);
    return { status: 204, pushes };
  },
);

route(
  {
    name: 'participants-list',
    method: 'GET',
    path: `${ONE}/participants`,
    summary: 'Participants with their roles',
    params: ConversationIdParamsSchema,
  },
  async ({ runtime, userId, params }) => ({
    status: 200,
    body: await conversations.listParticipants(runtime.deps, { userId }, params.conversationId),
  }),
);

route(
  {
    name: 'participants-add',
    method: 'POST',
    path: `${ONE}/participants`,
    summary: 'Add participants (admins; admins added by the owner)',
    params: ConversationIdParamsSchema,
    body: AddParticipantsBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.addParticipants(
      runtime.deps,
      { userId },
      params.conversationId,
      body,
    );
    return { status: 200, body: result, pushes };
  },
);

route(
  {
    name: 'participants-remove',
    method: 'DELETE',
    path: `${ONE}/participants`,
    summary: 'Remove a participant (admins) or yourself',
    params: ConversationIdParamsSchema,
    body: RemoveParticipantBodySchema,
    success: 204,
  },
  async ({ runtime, userId, params, body }) => {
    const { pushes } = await conversations.removeParticipant(
      runtime.deps,
      { userId },
      params.conversationId,
      body.userId,
    );
    return { status: 204, pushes };
  },
);

route(
  {
    name: 'participants-role',
    method: 'PUT',
    path: `${ONE}/participants/{userId}`,
    summary: 'Make a participant admin or member (owner)',
    params: ParticipantParams,
    body: RoleBody,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.changeRole(runtime.deps, { userId }, params.conversationId, {
      userId: params.userId,
      role: body.role,
    });
    return { status: 200, body: result, pushes };
  },
);

route(
  {
    name: 'conversations-mute',
    method: 'POST',
    path: `${ONE}/mute`,
    summary: 'Mute or unmute, optionally until a time',
    params: ConversationIdParamsSchema,
    body: MuteBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.updateMySettings(runtime.deps, { userId }, params.conversationId, {
      muted: body.muted,
      mutedUntil: body.muted ? (body.until ?? null) : null,
    });
    return {
      status: 200,
      body: { conversationId: params.conversationId, isMuted: result.muted, mutedUntil: result.mutedUntil },
      pushes,
    };
  },
);

route(
  {
    name: 'conversations-archive',
    method: 'POST',
    path: `${ONE}/archive`,
    summary: 'Archive or unarchive',
    params: ConversationIdParamsSchema,
    body: ArchiveBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.updateMySettings(runtime.deps, { userId }, params.conversationId, {
      archived: body.archived,
    });
    return { status: 200, body: { conversationId: params.conversationId, isArchived: result.archived }, pushes };
  },
);

route(
  {
    name: 'conversations-pin',
    method: 'POST',
    path: `${ONE}/pin`,
    summary: 'Pin or unpin (pinned conversations come first in the inbox)',
    params: ConversationIdParamsSchema,
    body: PinBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.updateMySettings(runtime.deps, { userId }, params.conversationId, {
      pinned: body.pinned,
    });
    return { status: 200, body: { conversationId: params.conversationId, isPinned: result.pinned }, pushes };
  },
);

route(
  {
    name: 'conversations-notifications',
    method: 'POST',
    path: `${ONE}/notifications`,
    summary: 'Notification level: all, mentions or none',
    params: ConversationIdParamsSchema,
    body: NotificationLevelBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await conversations.updateMySettings(runtime.deps, { userId }, params.conversationId, {
      notificationLevel: body.level,
    });
    return {
      status: 200,
      body: { conversationId: params.conversationId, notificationLevel: result.notificationLevel },
      pushes,
    };
  },
);
