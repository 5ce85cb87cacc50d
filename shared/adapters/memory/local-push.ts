/**
 * The local push adapter: devices in memory, and every push recorded per device instead of sent (read back at
 * GET /api/dev/push-outbox). A token starting with `stale-` is reported stale, as a push service reports an
 * expired token, so the removal path can be exercised locally.
 */
import type { Device, PushNotification } from '../../domain/push.js';
import type { PushSender, RecordedPush } from '../../ports/push.js';

const KEEP_PER_USER = 200;

export class LocalPushSender implements PushSender {
  private readonly devices = new Map<string, Map<string, Device>>();
  private readonly outbox = new Map<string, RecordedPush[]>();

  register(userId: string, device: Device): Promise<void> {
    const mine = this.devices.get(userId) ?? new Map<string, Device>();
    mine.set(device.deviceId, { ...device });
    this.devices.set(userId, mine);
    return Promise.resolve();
  }

  unregister(userId: string, deviceId: string): Promise<boolean> {
    return Promise.resolve(this.devices.get(userId)?.delete(deviceId) ?? false);
  }

  send(n: PushNotification): Promise<{ sent: number; staleDeviceIds: string[] }> {
    const staleDeviceIds: string[] = [];
    let sent = 0;
    const list = this.outbox.get(n.userId) ?? [];
    for (const d of this.devices.get(n.userId)?.values() ?? []) {
      if (d.token.startsWith('stale-')) {
        staleDeviceIds.push(d.deviceId);
        continue;
      }
      list.push({ ...n, platform: d.platform });
      sent++;
    }
    this.outbox.set(n.userId, list.slice(-KEEP_PER_USER));
    return Promise.resolve({ sent, staleDeviceIds });
  }

  recorded(userId: string): RecordedPush[] {
    return (this.outbox.get(userId) ?? []).map((n) => ({ ...n }));
  }
}
