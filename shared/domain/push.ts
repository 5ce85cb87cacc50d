/** Devices, push preferences and the push notification a device gets. */
import { z } from 'zod';
import { IdSchema } from './schemas-common.js';
import { LanguageSchema } from './translation.js';

export const PUSH_PLATFORMS = ['apns', 'fcm', 'wns', 'web'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

export const RegisterDeviceBodySchema = z
  .strictObject({
    platform: z.enum(PUSH_PLATFORMS),
    token: z.string().trim().min(1).max(4096),
    deviceId: IdSchema.optional(),
  })
  .describe('RegisterDeviceBody');
export type RegisterDeviceBody = z.infer<typeof RegisterDeviceBodySchema>;

export const DeviceParamsSchema = z.strictObject({ deviceId: IdSchema });

export interface Device {
  deviceId: string;
  platform: PushPlatform;
  token: string;
}

export interface PushPreferences {
  /** Hide the message text on the lock screen. */
  privatePreviews: boolean;
  pushEnabled: boolean;
}
export const DEFAULT_PUSH_PREFERENCES: PushPreferences = { privatePreviews: false, pushEnabled: true };

export const PushPreferencesBodySchema = z
  .strictObject({
    privatePreviews: z.boolean().optional(),
    pushEnabled: z.boolean().optional(),
    language: LanguageSchema.nullable()
      .optional()
      .describe('preferred language for auto-translation (BCP 47, e.g. en, pt-BR); null clears it'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give privatePreviews, pushEnabled or language')
  .describe('PushPreferencesBody');

export const PreferencesSchema = z
  .strictObject({
    preferences: z.strictObject({
      privatePreviews: z.boolean(),
      pushEnabled: z.boolean(),
      language: z.string().nullable(),
    }),
  })
  .describe('Preferences');

export const PushOutboxQuerySchema = z.strictObject({ userId: z.string().min(1).max(128) });

/** What a device shows. One collapse key per conversation: a newer push replaces the older one on the device. */
export interface PushNotification {
  userId: string;
  conversationId: string;
  messageId: string;
  seq: number;
  title: string;
  body: string;
  badge: number;
  collapseKey: string;
}

export const collapseKeyOf = (conversationId: string): string => `conversation:${conversationId}`;
