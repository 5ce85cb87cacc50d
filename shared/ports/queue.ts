import type { Job, QueueName } from '../domain/queues.js';

/**
 * Puts jobs on the background queues. Adapters: Service Bus (SDK, managed identity) and the local broker
 * (file-journaled, Service Bus semantics) with its in-memory twin for tests. Resolves once every job is durable;
 * a job whose id was enqueued on that queue within the duplicate-detection window is accepted and dropped.
 */
export interface JobQueue {
  enqueue(jobs: Job[]): Promise<void>;
  close(): Promise<void>;
}

/** How many messages wait on a queue and its dead-letter queue (capped: counted by peeking, at most a page). */
export interface QueueDepth {
  queue: QueueName;
  active: number;
  deadLettered: number;
  /** true: there may be more than counted (Service Bus: peeked one page; exact counts need the Manage right). */
  capped: boolean;
}

/** Read-only look at the queues for the health probe; Data Receiver (peek) is enough. */
export interface QueueProbe {
  depths(): Promise<QueueDepth[]>;
}
