/**
 * PushSender on Azure Notification Hubs (`@azure/notification-hubs`, REST API 2020-06). The hub is the device
 * registry: one installation per registered device (id derived from user + device, so two users never share one),
 * tagged with the user's tag; a push is one native send per platform to that tag, each with its own payload
 * (title, body, badge, the conversation's collapse key / thread id). A platform the user has no device on costs
 * the hub nothing ("no target found").
 *
 * Stale tokens: when a platform service reports a token expired, the hub marks that installation
 * `pushChannelExpired` and stops sending to it; per-device outcomes of a send are only returned by test sends, so
 * `send` cannot name stale devices and reports none (a device that registers again with a fresh token overwrites
 * its installation). Auth: the SDK takes an access policy connection string (SAS), no Entra ID.
 */
import { createHash } from 'node:crypto';
import {
  createAppleInstallation,
  createAppleNotification,
  createBrowserInstallation,
  createBrowserNotification,
  createFcmV1Installation,
  createFcmV1Notification,
  createWindowsInstallation,
  createWindowsNotification,
  type Installation,
  isRestError,
  type Notification,
  NotificationHubsClient,
  type NotificationHubsClientOptions,
} from '@azure/notification-hubs';
import { invalid } from '../../domain/errors.js';
import type { Device, PushNotification, PushPlatform } from '../../domain/push.js';
import type { PushSender } from '../../ports/push.js';

const hash = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n);

/** The tag every installation of a user carries (tags allow only [A-Za-z0-9_@#.:-], user ids may hold more). */
export const userTag = (userId: string): string => `user:${hash(userId, 40)}`;

/** One installation per (user, device). */
export const installationIdOf = (userId: string, deviceId: string): string =>
  `${hash(userId, 16)}-${hash(deviceId, 32)}`;

/** A web push subscription as the browser's PushSubscription.toJSON() gives it. */
function browserChannel(token: string): { endpoint: string; p256dh: string; auth: string } {
  try {
    const sub = JSON.parse(token) as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } };
    const { endpoint } = sub;
    const p256dh = sub.keys?.p256dh;
    const auth = sub.keys?.auth;
    if (typeof endpoint === 'string' && typeof p256dh === 'string' && typeof auth === 'string')
      return { endpoint, p256dh, auth };
  } catch {
    // reported below
  }
  throw invalid(
    'a web push token must be the JSON of a PushSubscription: {"endpoint": …, "keys": {"p256dh": …, "auth": …}}',
    'DEVICE.BAD_WEB_TOKEN',
  );
}

function installationOf(userId: string, device: Device): Installation {
  const common = { installationId: installationIdOf(userId, device.deviceId), tags: [userTag(userId)] };
  switch (device.platform) {
    case 'apns':
      return createAppleInstallation({ ...common, pushChannel: device.token });
    case 'fcm':
      return createFcmV1Installation({ ...common, pushChannel: device.token });
    case 'wns':
      return createWindowsInstallation({ ...common, pushChannel: device.token });
    case 'web':
      return createBrowserInstallation({ ...common, pushChannel: browserChannel(device.token) });
  }
}

const xml = (s: string): string =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/** The payload each platform gets for one push. */
export function notificationsFor(n: PushNotification): Record<PushPlatform, Notification> {
  const data = { conversationId: n.conversationId, messageId: n.messageId, seq: String(n.seq) };
  // why hashed: apns-collapse-id allows 64 bytes, X-WNS-Tag 16 characters; one value per conversation either way
  const collapse = hash(n.collapseKey, 32);
  return {
    apns: createAppleNotification({
      body: {
        aps: { alert: { title: n.title, body: n.body }, badge: n.badge, sound: 'default', 'thread-id': n.collapseKey },
        ...data,
      },
      headers: { 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-collapse-id': collapse },
    }),
    // the hub takes an FCM v1 message in its {"message": …} envelope
    fcm: createFcmV1Notification({
      body: JSON.stringify({
        message: {
          notification: { title: n.title, body: n.body },
          android: { collapse_key: collapse, notification: { tag: n.collapseKey, notification_count: n.badge } },
          data,
        },
      }),
    }),
    wns: createWindowsNotification({
      body:
        `<toast launch="${xml(JSON.stringify(data))}"><visual><binding template="ToastGeneric">` +
        `<text>${xml(n.title)}</text><text>${xml(n.body)}</text></binding></visual></toast>`,
      headers: { 'X-WNS-Type': 'wns/toast', 'X-WNS-Tag': collapse.slice(0, 16) },
    }),
    web: createBrowserNotification({
      body: JSON.stringify({ title: n.title, body: n.body, badge: n.badge, tag: n.collapseKey, data }),
    }),
  };
}

export class NotificationHubsPushSender implements PushSender {
  private readonly client: NotificationHubsClient;

  /** `options`: the SDK's client options (tests trust the certificate of a local fake hub with tlsOptions). */
  constructor(connectionString: string, hubName: string, options: NotificationHubsClientOptions = {}) {
    this.client = new NotificationHubsClient(connectionString, hubName, options);
  }

  async register(userId: string, device: Device): Promise<void> {
    await this.client.createOrUpdateInstallation(installationOf(userId, device));
  }

  async unregister(userId: string, deviceId: string): Promise<boolean> {
    const id = installationIdOf(userId, deviceId);
    try {
      const found = await this.client.getInstallation(id);
      if (!(found.tags ?? []).includes(userTag(userId))) return false;
    } catch (e) {
      if (isRestError(e) && e.statusCode === 404) return false;
      throw e;
    }
    await this.client.deleteInstallation(id);
    return true;
  }

  async send(n: PushNotification): Promise<{ sent: number; staleDeviceIds: string[] }> {
    const tagExpression = userTag(n.userId);
    const sends = Object.values(notificationsFor(n)).map((notification) =>
      this.client.sendNotification(notification, { tagExpression }),
    );
    await Promise.all(sends);
    return { sent: sends.length, staleDeviceIds: [] };
  }
}
