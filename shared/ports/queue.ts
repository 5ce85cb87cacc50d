import type { Job } from '../domain/queues.js';

/**
 * Puts jobs on the background queues. Adapters: Service Bus (SDK, managed identity) and the local broker
 * (file-journaled, Service Bus semantics) with its in-memory twin for tests. Resolves once every job is durable;
 * a job whose id was enqueued on that queue within the duplicate-detection window is accepted and dropped.
 */
export interface JobQueue {
  enqueue(jobs: Job[]): Promise<void>;
  close(): Promise<void>;
}
