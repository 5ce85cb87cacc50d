// Routes added with the client contracts: the seeds' conversation settings and batch read receipts.
import type { z } from 'zod';
import { updateMySettings } from '../../shared/app/conversations.js';
import { batchReceipts } from '../../shared/app/receipts-batch.js';
import {
  BatchReceiptsQuerySchema,
  BatchReceiptsSchema,
  ConversationSettingsBodySchema,
  ConversationSettingsSchema,
} from '../../shared/contracts/http.js';
import { ConversationIdParamsSchema } from '../../shared/domain/conversation.js';
import { route } from '../../shared/runtime/routes.js';

route(
  {
    name: 'conversations-settings',
    method: 'PUT',
    path: 'v1/messaging/conversations/{conversationId}/settings',
    summary: 'The caller’s settings of this conversation (mute, archive, pin, notification level), any subset at once',
    params: ConversationIdParamsSchema,
    body: ConversationSettingsBodySchema,
    response: ConversationSettingsSchema,
  },
  async ({ runtime, userId, params, body }) => {
    const { muted, mutedUntil, ...rest } = body;
    const { result, pushes } = await updateMySettings(runtime.deps, { userId }, params.conversationId, {
      ...rest,
      ...(muted !== undefined && { muted, mutedUntil: muted ? (mutedUntil ?? null) : null }),
    });
    const settings: z.input<typeof ConversationSettingsSchema> = {
      conversationId: params.conversationId,
      muted: result.muted,
      mutedUntil: result.mutedUntil,
      archived: result.archived,
      pinned: result.pinned,
      notificationLevel: result.notificationLevel,
    };
    return { status: 200, body: settings, pushes };
  },
);

route(
  {
    name: 'receipts-batch',
    method: 'GET',
    path: 'v1/messaging/messages/receipts',
    summary: 'Who has read each of up to 100 messages (ids from any of the caller’s conversations), in one call',
    query: BatchReceiptsQuerySchema,
    response: BatchReceiptsSchema,
  },
  async ({ runtime, userId, query }) => ({
    status: 200,
    body: await batchReceipts(runtime.deps, { userId }, query.ids),
  }),
);
