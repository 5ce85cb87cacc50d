import { z } from 'zod';
import { NOTIFICATION_LEVELS } from '../domain/conversation.js';
import { IdSchema, IsoDateSchema } from '../domain/schemas-common.js';

// HTTP bodies and responses added with the client contracts (the older ones stay beside their routes for now).

/** `PUT …/conversations/{id}/settings`: the caller's own settings of one conversation, any subset at once. */
export const ConversationSettingsBodySchema = z
  .strictObject({
    muted: z.boolean().optional(),
    mutedUntil: IsoDateSchema.nullable().optional().describe('only with muted: true; null = until unmuted'),
    archived: z.boolean().optional(),
    pinned: z.boolean().optional(),
    notificationLevel: z.enum(NOTIFICATION_LEVELS).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one setting')
  .refine(
    (b) => b.mutedUntil === undefined || b.mutedUntil === null || b.muted === true,
    'mutedUntil needs muted: true',
  )
  .describe('ConversationSettingsBody');

export const ConversationSettingsSchema = z
  .object({
    conversationId: z.string(),
    muted: z.boolean(),
    mutedUntil: z.string().nullable(),
    archived: z.boolean(),
    pinned: z.boolean(),
    notificationLevel: z.enum(NOTIFICATION_LEVELS),
  })
  .describe('ConversationSettings');

/** What every negotiate answers: the SignalR Service URL and a token for it (the client follows the redirect). */
export const ConnectionInfoSchema = z.object({ url: z.url(), accessToken: z.string() }).describe('ConnectionInfo');

/** `GET /api/v1/messaging/messages/receipts?ids=a.1,b.7`: comma-separated message ids, at most 100. */
export const BatchReceiptsQuerySchema = z
  .strictObject({
    ids: z
      .string()
      .min(1)
      .transform((v) => v.split(',').filter((s) => s !== ''))
      .pipe(z.array(IdSchema).min(1).max(100)),
  })
  .describe('BatchReceiptsQuery');

export const BatchReceiptsSchema = z
  .object({
    receipts: z.array(
      z.object({
        messageId: z.string(),
        conversationId: z.string(),
        seq: z.number().int(),
        readBy: z.array(z.object({ userId: z.string(), readAt: z.string().nullable() })),
      }),
    ),
    notFound: z.array(z.string()).describe('ids not visible to the caller (or not messages)'),
  })
  .describe('BatchReceipts');
