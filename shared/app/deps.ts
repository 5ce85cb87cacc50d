import type { EphemeralState } from '../ports/ephemeral.js';
import type { NotificationStore } from '../ports/notifications.js';
import type { PushSender } from '../ports/push.js';
import type { JobQueue } from '../ports/queue.js';
import type { ConversationStore } from '../ports/store.js';
import type { Clock, IdGenerator, Telemetry } from '../ports/system.js';
import type { TemplateStore } from '../ports/templates.js';
import type { TranslationStore } from '../ports/translations.js';
import type { Translator } from '../ports/translator.js';
import type { AttachmentServices } from './attachments-records.js';
import type { ContentDeps } from './content-config.js';

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
  /** Conversation templates (memory or Cosmos, beside the store). */
  templates: TemplateStore;
  /** Days by category (null = keep), the fallback, and how much one sweep run may remove (default 500). */
  retention: { byCategory: Record<string, number | null>; defaultDays: number | null; sweepBatch?: number };
  limits: {
    sendPerMinute: number;
    typingPerMinute: number;
    conversationsPerMinute: number;
    /** Absent: 20 (RATE_LIMIT_UPLOADS_PER_MINUTE's default). */
    uploadsPerMinute?: number;
  };
  /** Notification channels any signed-in user may subscribe to (NOTIFICATION_TOPICS). */
  notificationTopics: readonly string[];
  /** Background jobs (message-events, push-notifications): the runtime's queue, the broker locally, Service Bus on Azure. */
  queue: JobQueue;
  push: PushSender;
  /**
   * Seconds a user's last connection must stay gone before their contacts get UserOffline; a reconnect within them is
   * never announced (PRESENCE_OFFLINE_GRACE_SECONDS; 0 = at once).
   */
  presenceOfflineGraceSeconds: number;
  /** Seconds an online recipient has to mark a message delivered before it is pushed anyway (PUSH_GRACE_SECONDS). */
  pushGraceSeconds: number;
  /**
   * The store as the send path reads it: conversation and profile reads may be served from a per-process cache
   * (at most a few seconds old; dropped at once on this process's membership and block writes). Absent = store.
   */
  sendReads?: ConversationStore;
  /** The content pipeline's settings and ports (moderation, sensitive data, formatting): shared/app/content-*.ts. */
  content: ContentDeps;
  /** Uploads on Blob Storage, their processing and malware scanning; absent when no storage is configured. */
  attachments?: AttachmentServices;
  /** Translations of messages per language (the seed's MessageTranslations). */
  translations: TranslationStore;
  /** Azure AI Translator; null when TRANSLATOR_ENDPOINT is not set (translation answers 503 TRANSLATION.NOT_CONFIGURED). */
  translator: Translator | null;
}

/** Who is calling, as proven by a validated token (HTTP) or by the SignalR Service (hub). */
export interface Caller {
  userId: string;
  connectionId?: string;
}
