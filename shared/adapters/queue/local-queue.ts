import { resolve } from 'node:path';
import type { Job } from '../../domain/queues.js';
import type { JobQueue, QueueDepth, QueueProbe } from '../../ports/queue.js';

type Broker = JobQueue & QueueProbe;

// why: the broker belongs to the local stack (local/queue, never deployed); the app reaches it through this
// process-wide table, keyed by its folder, so the composition root does not import local code
const brokers = new Map<string, Broker>();

/** The local stack announces its broker for a folder; returns the undo. */
export function attachLocalBroker(dir: string, broker: Broker): () => void {
  const key = resolve(dir);
  brokers.set(key, broker);
  return () => {
    if (brokers.get(key) === broker) brokers.delete(key);
  };
}

/** QUEUE_MODE=local: jobs go to the broker `npm start` runs in this process for LOCAL_QUEUE_DIR. */
export class LocalJobQueue implements JobQueue, QueueProbe {
  constructor(private readonly dir: string) {}

  private broker(): Broker {
    const b = brokers.get(resolve(this.dir));
    if (!b)
      throw new Error(
        `QUEUE_MODE=local: no local broker runs in this process for LOCAL_QUEUE_DIR=${this.dir} (start the backend with npm start, or set QUEUE_MODE=servicebus)`,
      );
    return b;
  }

  enqueue(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    return this.broker().enqueue(jobs);
  }

  depths(): Promise<QueueDepth[]> {
    return this.broker().depths();
  }

  /** The stack owns the broker and closes it. */
  async close(): Promise<void> {}
}
