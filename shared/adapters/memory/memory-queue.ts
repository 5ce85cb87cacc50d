/**
 * PLACEHOLDER until the durable broker (branch s9-queues) is merged: an in-process JobQueue that runs each job's
 * handler asynchronously (setImmediate, or a timer for `notBefore`), retrying with backoff. Nothing accepted is
 * dropped while the process lives: a job keeps being retried until MAX_ATTEMPTS, then it is logged as
 * dead-lettered and kept in `deadLetters`; a job for a queue without a handler is kept in `held`. Duplicate ids
 * within the window are dropped, as Service Bus duplicate detection does. Not durable across restarts: the outbox
 * sweep covers message-events after a crash.
 */
import type { Job, QueueName } from '../../domain/queues.js';
import type { JobQueue } from '../../ports/queue.js';
import type { Telemetry } from '../../ports/system.js';

type Handler = (body: unknown) => Promise<void>;

const MAX_ATTEMPTS = 10;
const DEDUPE_WINDOW_MS = 10 * 60_000;

export class InProcessJobQueue implements JobQueue {
  readonly held: Job[] = [];
  readonly deadLetters: Job[] = [];
  private readonly handlers = new Map<QueueName, Handler>();
  private readonly seen = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly telemetry: Telemetry) {}

  /** The consumer of a queue (wired by the composition root). */
  handle(queue: QueueName, handler: Handler): void {
    this.handlers.set(queue, handler);
  }

  enqueue(jobs: Job[]): Promise<void> {
    const now = Date.now();
    for (const [key, at] of this.seen) if (now - at > DEDUPE_WINDOW_MS) this.seen.delete(key);
    for (const job of jobs) {
      const key = `${job.queue}\u0000${job.id}`;
      if (this.seen.has(key)) continue;
      this.seen.set(key, now);
      this.schedule(job, 1, Math.max(0, (job.notBefore?.getTime() ?? 0) - now));
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return Promise.resolve();
  }

  private schedule(job: Job, attempt: number, delayMs: number): void {
    if (this.closed) return;
    const run = () => void this.run(job, attempt);
    if (delayMs === 0) {
      setImmediate(run);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async run(job: Job, attempt: number): Promise<void> {
    const handler = this.handlers.get(job.queue);
    if (!handler) {
      this.held.push(job);
      return;
    }
    try {
      await handler(job.body);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (attempt >= MAX_ATTEMPTS) {
        this.deadLetters.push(job);
        this.telemetry.log('error', 'job dead-lettered', { queue: job.queue, id: job.id, error });
        return;
      }
      this.telemetry.log('warn', 'job failed; retrying', { queue: job.queue, id: job.id, attempt, error });
      this.schedule(job, attempt + 1, Math.min(100 * 2 ** attempt, 30_000));
    }
  }
}
