import type { Device, PushNotification, PushPlatform } from '../domain/push.js';

/** A push as the local adapter recorded it (GET /api/dev/push-outbox). */
export interface RecordedPush extends PushNotification {
  platform: PushPlatform;
}

/**
 * Native push to a user's devices. Adapters: Azure Notification Hubs (one installation per device, tagged with the
 * user) and the local recorder. `send` reports devices the service called stale (expired tokens), which the caller
 * unregisters.
 */
export interface PushSender {
  register(userId: string, device: Device): Promise<void>;
  /** false when the user has no such device. */
  unregister(userId: string, deviceId: string): Promise<boolean>;
  send(notification: PushNotification): Promise<{ sent: number; staleDeviceIds: string[] }>;
  /** Local adapter only: what would have been sent to the user. */
  recorded?(userId: string): RecordedPush[];
}
