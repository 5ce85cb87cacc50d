import { z } from 'zod';
import { getPresence, PRESENCE_STATUSES, updatePresence } from '../../shared/app/presence.js';
import { setTyping, typingUsers } from '../../shared/app/typing.js';
import { ConversationIdParamsSchema } from '../../shared/domain/conversation.js';
import { UserIdSchema } from '../../shared/domain/schemas-common.js';
import { route } from '../../shared/runtime/routes.js';

const TypingBody = ConversationIdParamsSchema.describe('TypingBody');
const PresenceUpdateBody = z
  .strictObject({ status: z.enum(PRESENCE_STATUSES), statusMessage: z.string().max(140).nullable().optional() })
  .describe('PresenceUpdateBody');
const PresenceGetBody = z.strictObject({ userIds: z.array(UserIdSchema).min(1).max(100) }).describe('PresenceGetBody');

route(
  {
    name: 'typing-start',
    method: 'POST',
    path: 'v1/messaging/typing/start',
    summary: 'Typing in a conversation (expires after 10 s)',
    body: TypingBody,
  },
  async ({ runtime, userId, body }) => {
    const { result, pushes } = await setTyping(runtime.deps, { userId }, body.conversationId, true);
    return { status: 200, body: result, pushes };
  },
);

route(
  {
    name: 'typing-stop',
    method: 'POST',
    path: 'v1/messaging/typing/stop',
    summary: 'Stopped typing',
    body: TypingBody,
  },
  async ({ runtime, userId, body }) => {
    const { result, pushes } = await setTyping(runtime.deps, { userId }, body.conversationId, false);
    return { status: 200, body: result, pushes };
  },
);

route(
  {
    name: 'typing-get',
    method: 'GET',
    path: 'v1/messaging/conversations/{conversationId}/typing',
    summary: 'Who is typing now',
    params: ConversationIdParamsSchema,
  },
  async ({ runtime, userId, params }) => ({
    status: 200,
    body: {
      conversationId: params.conversationId,
      userIds: await typingUsers(runtime.deps, { userId }, params.conversationId),
    },
  }),
);

route(
  {
    name: 'presence-update',
    method: 'POST',
    path: 'v1/messaging/presence/update',
    summary: 'Set status online/away/busy/offline (offline = appear offline) and a message',
    body: PresenceUpdateBody,
  },
  async ({ runtime, userId, body }) => {
    const { result, pushes } = await updatePresence(runtime.deps, { userId }, body.status, body.statusMessage ?? null);
    return { status: 200, body: { presence: result }, pushes };
  },
);

route(
  {
    name: 'presence-get',
    method: 'POST',
    path: 'v1/messaging/presence/get',
    summary: 'Presence of up to 100 users in one call',
    body: PresenceGetBody,
  },
  async ({ runtime, userId, body }) => ({
    status: 200,
    body: { presence: await getPresence(runtime.deps, { userId }, body.userIds) },
  }),
);
