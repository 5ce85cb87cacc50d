import { z } from 'zod';
import { blockUser, listBlocks, unblockUser } from '../../shared/app/blocks.js';
import { clearDraft, getDraft, listDrafts, saveDraft } from '../../shared/app/drafts.js';
import { ConversationIdParamsSchema } from '../../shared/domain/conversation.js';
import { BlockBodySchema, DraftBodySchema } from '../../shared/domain/message.js';
import { UserIdSchema } from '../../shared/domain/schemas-common.js';
import { route } from '../../shared/runtime/routes.js';

const BlockParams = z.strictObject({ userId: UserIdSchema });

route(
  {
    name: 'blocks-list',
    method: 'GET',
    path: 'v1/messaging/blocks',
    summary: 'Users the caller blocks',
  },
  async ({ runtime, userId }) => ({
    status: 200,
    body: await listBlocks(runtime.deps, { userId }),
  }),
);

route(
  {
    name: 'blocks-add',
    method: 'POST',
    path: 'v1/messaging/blocks',
    summary: 'Block a user (no direct messages either way)',
    body: BlockBodySchema,
    success: 201,
  },
  async ({ runtime, userId, body }) => {
    const result = await blockUser(runtime.deps, { userId }, body.userId, body.reason);
    return { status: result.created ? 201 : 200, body: { blocked: result.blocked } };
  },
);

route(
  {
    name: 'blocks-remove',
    method: 'DELETE',
    path: 'v1/messaging/blocks/{userId}',
    summary: 'Unblock a user',
    params: BlockParams,
    success: 204,
  },
  async ({ runtime, userId, params }) => {
    await unblockUser(runtime.deps, { userId }, params.userId);
    return { status: 204 };
  },
);

route(
  {
    name: 'drafts-list',
    method: 'GET',
    path: 'v1/messaging/drafts',
    summary: 'All of the caller’s drafts, newest first',
  },
  async ({ runtime, userId }) => ({
    status: 200,
    body: await listDrafts(runtime.deps, { userId }),
  }),
);

route(
  {
    name: 'drafts-get',
    method: 'GET',
    path: 'v1/messaging/drafts/{conversationId}',
    summary: 'The draft of one conversation (null if none)',
    params: ConversationIdParamsSchema,
  },
  async ({ runtime, userId, params }) => ({
    status: 200,
    body: await getDraft(runtime.deps, { userId }, params.conversationId),
  }),
);

route(
  {
    name: 'drafts-save',
    method: 'PUT',
    path: 'v1/messaging/drafts/{conversationId}',
    summary: 'Save the draft of a conversation',
    params: ConversationIdParamsSchema,
    body: DraftBodySchema,
  },
  async ({ runtime, userId, params, body }) => ({
    status: 200,
    body: await saveDraft(runtime.deps, { userId }, params.conversationId, body),
  }),
);

route(
  {
    name: 'drafts-clear',
    method: 'DELETE',
    path: 'v1/messaging/drafts/{conversationId}',
    summary: 'Clear the draft of a conversation',
    params: ConversationIdParamsSchema,
    success: 204,
  },
  async ({ runtime, userId, params }) => {
    await clearDraft(runtime.deps, { userId }, params.conversationId);
    return { status: 204 };
  },
);
