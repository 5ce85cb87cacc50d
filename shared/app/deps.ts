import type { EphemeralState } from '../ports/ephemeral.js';
import type { NotificationStore } from '../ports/notifications.js';
import type { ConversationStore } from '../ports/store.js';
import type { Clock, IdGenerator, Telemetry } from '../ports/system.js';

/**
 * Every port and setting a use case may receive; the composition root builds one. Each use case takes only the
 * part it touches (`Pick<AppDeps, …>`), so its signature says what it reads and writes.
 */
export interface AppDeps {
  store: ConversationStore;
  clock: Clock;
  ids: IdGenerator;
  telemetry: Telemetry;
  ephemeral: EphemeralState;
  notifications: NotificationStore;
  retention: { byCategory: Record<string, number>; defaultDays: number | null };
  limits: { sendPerMinute: number; typingPerMinute: number; conversationsPerMinute: number };
  /** Notification channels any signed-in user may subscribe to (NOTIFICATION_TOPICS). */
  notificationTopics: readonly string[];
}

/** Who is calling, as proven by a validated token (HTTP) or by the SignalR Service (hub). */
export interface Caller {
  userId: string;
  connectionId?: string;
}
