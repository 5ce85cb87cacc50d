import type { Job, QueueName } from '../../shared/domain/queues.js';
import type { JobQueue } from '../../shared/ports/queue.js';

/**
 * In-memory JobQueue for use-case tests: records what was enqueued (dropping a repeated id, like Service Bus
 * duplicate detection), can be told to fail, and hands jobs out to drive the consumers by hand.
 */
export class RecordingQueue implements JobQueue {
  readonly jobs: Job[] = [];
  readonly attempts: Job[] = [];
  /** The next n enqueue calls reject (the broker is down). */
  failNext = 0;
  private readonly taken = new Set<Job>();

  enqueue(jobs: Job[]): Promise<void> {
    this.attempts.push(...jobs);
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('queue unavailable'));
    }
    for (const job of jobs)
      if (!this.jobs.some((j) => j.queue === job.queue && j.id === job.id)) this.jobs.push(structuredClone(job));
    return Promise.resolve();
  }

  /** Jobs of the queue not handed out yet, due at `now` (all when now is omitted); they count as taken. */
  drain(queue: QueueName, now?: Date): Job[] {
    const due = this.jobs.filter(
      (j) => j.queue === queue && !this.taken.has(j) && (now === undefined || (j.notBefore ?? now) <= now),
    );
    for (const j of due) this.taken.add(j);
    return due;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
