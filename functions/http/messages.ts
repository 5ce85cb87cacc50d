import { forwardMessage } from '../../shared/app/forward.js';
import * as reads from '../../shared/app/message-reads.js';
import * as messages from '../../shared/app/messages.js';
import { markRead } from '../../shared/app/receipts.js';
import { searchMessages } from '../../shared/app/search.js';
import { ConversationIdParamsSchema } from '../../shared/domain/conversation.js';
import {
  DeleteMessageQuerySchema,
  EditMessageBodySchema,
  ForwardBodySchema,
  ListMessagesQuerySchema,
  MarkReadBodySchema,
  MessageDetailQuerySchema,
  MessageParamsSchema,
  ReactionBodySchema,
  SearchQuerySchema,
  SendMessageBodySchema,
} from '../../shared/domain/message.js';
import { route } from '../../shared/runtime/routes.js';

const MESSAGES = 'v1/messaging/conversations/{conversationId}/messages';
const ONE = `${MESSAGES}/{messageId}`;

route(
  {
    name: 'messages-list',
    method: 'GET',
    path: MESSAGES,
    summary: 'Messages by seq: newest page, or before/after a seq or message id',
    params: ConversationIdParamsSchema,
    query: ListMessagesQuerySchema,
  },
  async ({ runtime, userId, params, query }) => ({
    status: 200,
    body: await reads.listMessages(runtime.deps, { userId }, params.conversationId, query),
  }),
);

route(
  {
    name: 'messages-send',
    method: 'POST',
    path: MESSAGES,
    summary: 'Send a message (idempotent by clientMessageId)',
    params: ConversationIdParamsSchema,
    body: SendMessageBodySchema,
    success: 201,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await messages.sendMessage(runtime.deps, { userId }, params.conversationId, body);
    return { status: result.created ? 201 : 200, body: { message: result.message, tempId: result.tempId }, pushes };
  },
);

const searchInConversation = SearchQuerySchema.omit({ conversationId: true });
route(
  {
    name: 'messages-search-conversation',
    method: 'GET',
    path: `${MESSAGES}/search`,
    summary: 'Search the text of this conversation’s messages',
    params: ConversationIdParamsSchema,
    query: searchInConversation,
  },
  async ({ runtime, userId, params, query }) => ({
    status: 200,
    body: await searchMessages(runtime.deps, { userId }, { ...query, conversationId: params.conversationId }),
  }),
);

route(
  {
    name: 'messages-search',
    method: 'GET',
    path: 'v1/messaging/messages/search',
    summary: 'Search the text of messages across the caller’s conversations',
    query: SearchQuerySchema,
  },
  async ({ runtime, userId, query }) => ({
    status: 200,
    body: await searchMessages(runtime.deps, { userId }, query),
  }),
);

route(
  {
    name: 'messages-get',
    method: 'GET',
    path: ONE,
    summary: 'One message with readBy, reactions and status; ?reveal=true: the clear text of masked sensitive data',
    params: MessageParamsSchema,
    query: MessageDetailQuerySchema,
  },
  async ({ runtime, userId, params, query }) => ({
    status: 200,
    body: await reads.getMessageDetail(runtime.deps, { userId }, params.conversationId, params.messageId, {
      reveal: query.reveal,
    }),
  }),
);

route(
  {
    name: 'messages-edit',
    method: 'PUT',
    path: ONE,
    summary: 'Edit a message (sender; history kept)',
    params: MessageParamsSchema,
    body: EditMessageBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await messages.editMessage(
      runtime.deps,
      { userId },
      params.conversationId,
      params.messageId,
      body.content,
    );
    return { status: 200, body: { message: result }, pushes };
  },
);

route(
  {
    name: 'messages-delete',
    method: 'DELETE',
    path: ONE,
    summary: 'Delete for me, or for everyone (sender or admin)',
    params: MessageParamsSchema,
    query: DeleteMessageQuerySchema,
    success: 204,
  },
  async ({ runtime, userId, params, query }) => {
    const { pushes } = await messages.deleteMessage(
      runtime.deps,
      { userId },
      params.conversationId,
      params.messageId,
      query.forEveryone,
    );
    return { status: 204, pushes };
  },
);

route(
  {
    name: 'messages-forward',
    method: 'POST',
    path: `${ONE}/forward`,
    summary: 'Forward a message you can see into conversations you take part in (a new message in each)',
    params: MessageParamsSchema,
    body: ForwardBodySchema,
    success: 201,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await forwardMessage(
      runtime.deps,
      { userId },
      params.conversationId,
      params.messageId,
      body.conversationIds,
    );
    return { status: result.created ? 201 : 200, body: { messages: result.messages }, pushes };
  },
);

route(
  {
    name: 'reactions-add',
    method: 'POST',
    path: `${ONE}/react`,
    summary: 'Add a reaction',
    params: MessageParamsSchema,
    body: ReactionBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await messages.react(
      runtime.deps,
      { userId },
      params.conversationId,
      params.messageId,
      body.reaction,
      'added',
    );
    return { status: 200, body: result, pushes };
  },
);

route(
  {
    name: 'reactions-remove',
    method: 'DELETE',
    path: `${ONE}/react`,
    summary: 'Remove a reaction',
    params: MessageParamsSchema,
    body: ReactionBodySchema,
    success: 204,
  },
  async ({ runtime, userId, params, body }) => {
    const { pushes } = await messages.react(
      runtime.deps,
      { userId },
      params.conversationId,
      params.messageId,
      body.reaction,
      'removed',
    );
    return { status: 204, pushes };
  },
);

route(
  {
    name: 'conversations-read',
    method: 'POST',
    path: 'v1/messaging/conversations/{conversationId}/read',
    summary: 'Mark read up to a seq (moves forward only)',
    params: ConversationIdParamsSchema,
    body: MarkReadBodySchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { result, pushes } = await markRead(runtime.deps, { userId }, params.conversationId, body.seq);
    return { status: 200, body: result, pushes };
  },
);
