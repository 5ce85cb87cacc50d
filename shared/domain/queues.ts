/**
 * The Service Bus queues that carry background work, and what every queue message looks like to the app.
 * Declared in infra/modules/servicebus.bicep with their delivery count, lock, TTL and duplicate detection.
 */
export const QUEUE_NAMES = [
  'message-events',
  'push-notifications',
  'link-previews',
  'translations',
  'retention',
  'booking-events',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** A job to put on a queue. `id` is the Service Bus MessageId: deterministic, so a retried enqueue is a duplicate. */
export interface Job {
  queue: QueueName;
  id: string;
  body: unknown;
  /** Scheduled enqueue: not delivered before this instant. */
  notBefore?: Date;
  /** Carried as the message's CorrelationId: ties the consumer's logs to the request that enqueued it. */
  correlationId?: string;
}
