import { z } from 'zod';
import { boundedJsonObject } from './safe-input.js';
import { IdSchema, QueryBoolean, QueryInt, UserIdSchema } from './schemas-common.js';

export interface Notification {
  id: string;
  userId: string;
  /** e.g. mention, booking, system */
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  channel: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  readAt: string | null;
}

/** Notifications are kept 30 days. */
export const NOTIFICATION_TTL_SECONDS = 30 * 86_400;

/** Token role that may send notifications (an Entra app role for back-end services). */
export const NOTIFY_ROLE = 'Notifications.Send';

export const ChannelSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(
    /^[a-z0-9][a-z0-9_.-]*(:[A-Za-z0-9_\-.:@]+)?$/,
    'a topic (lower-case letters, digits and _ . -) or kind:id (user:{id}, conversation:{id}, booking:{id})',
  );

export const SendNotificationBodySchema = z
  .strictObject({
    userIds: z.array(UserIdSchema).min(1).max(1000).optional(),
    channel: ChannelSchema.optional(),
    kind: IdSchema.default('system'),
    title: z.string().trim().min(1).max(200),
    body: z.string().max(2000).default(''),
    data: boundedJsonObject().optional(),
  })
  .refine((b) => (b.userIds === undefined) !== (b.channel === undefined), 'give either userIds or channel')
  .describe('SendNotificationBody');
export type SendNotificationBody = z.infer<typeof SendNotificationBodySchema>;

export const ListNotificationsQuerySchema = z
  .strictObject({ unreadOnly: QueryBoolean.default(false), limit: QueryInt(1, 200).default(50) })
  .describe('ListNotificationsQuery');
