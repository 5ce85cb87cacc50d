import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Job, QUEUE_NAMES, type QueueName } from '../../shared/domain/queues.js';
import type { JobQueue, QueueDepth, QueueProbe } from '../../shared/ports/queue.js';
import { FileJournal, type Journal, MemoryJournal, type QueueSnapshot, type StoredMessage } from './journal.js';
import { type QueueLimits, queueLimits } from './queue-settings.js';

/** A locked message handed to a consumer (peek-lock): settle it with its lock token before the lock expires. */
export interface Delivery {
  queue: QueueName;
  lockToken: string;
  seq: number;
  messageId: string;
  body: unknown;
  correlationId: string | undefined;
  deliveryCount: number;
  enqueuedAt: Date;
  lockedUntil: Date;
}

/** Service Bus answers this when a lock has expired or was never held (MessageLockLost). */
export class LockLostError extends Error {
  constructor(queue: string, token: string) {
    super(`${queue}: the lock ${token} has expired or is not held (MessageLockLost); the message will be redelivered`);
    this.name = 'LockLostError';
  }
}

/** Dead-letter reasons, spelled as Service Bus spells them. */
export const DEAD_LETTER_REASONS = {
  maxDelivery: 'MaxDeliveryCountExceeded',
  expired: 'TTLExpiredException',
} as const;

export interface BrokerOptions {
  /** Folder of the journals (one JSON-lines file per queue); undefined = in memory (unit tests). */
  dir?: string;
  /** Per-queue overrides of the Bicep's settings (tests use short locks). */
  limits?: Partial<Record<QueueName, Partial<QueueLimits>>>;
  now?: () => number;
}

interface QueueState {
  limits: QueueLimits;
  journal: Journal;
  snap: QueueSnapshot;
  locks: Map<number, { token: string; until: number }>;
  waiters: Set<() => void>;
}

const LOCK_FILE = 'broker.lock';

/**
 * The local stand-in for the Service Bus namespace: peek-lock with lock expiry, delivery counts, dead-lettering
 * after the maximum delivery count or the TTL (reason and description as Service Bus writes them), scheduled
 * enqueue, duplicate detection by MessageId within the window, and a journal per queue so what it accepted
 * survives a restart. One process owns a folder at a time (`broker.lock`).
 */
export class LocalBroker implements JobQueue, QueueProbe {
  private closed = false;

  private constructor(
    private readonly queues: Map<QueueName, QueueState>,
    private readonly now: () => number,
    readonly dir: string | undefined,
  ) {}

  static async open(opts: BrokerOptions = {}): Promise<LocalBroker> {
    const now = opts.now ?? Date.now;
    const dir = opts.dir === undefined ? undefined : resolve(opts.dir);
    if (dir !== undefined) takeFolder(dir);
    const queues = new Map<QueueName, QueueState>();
    for (const name of QUEUE_NAMES) {
      const limits = queueLimits(name, opts.limits?.[name]);
      const opened =
        dir === undefined
          ? { journal: new MemoryJournal(), snapshot: { messages: new Map(), seen: new Map(), nextSeq: 1 } }
          : await FileJournal.open(dir, name, () => now() - limits.duplicateWindowMs);
      queues.set(name, {
        limits,
        journal: opened.journal,
        snap: opened.snapshot,
        locks: new Map(),
        waiters: new Set(),
      });
    }
    return new LocalBroker(queues, now, dir);
  }

  private q(name: QueueName): QueueState {
    const q = this.queues.get(name);
    if (!q) throw new Error(`unknown queue ${name}`);
    if (this.closed) throw new Error('the local broker is closed');
    return q;
  }

  /** Accepted once journaled; a MessageId seen within the duplicate-detection window is accepted and dropped. */
  async enqueue(jobs: Job[]): Promise<void> {
    const byQueue = new Map<QueueName, StoredMessage[]>();
    const at = this.now();
    for (const job of jobs) {
      const q = this.q(job.queue);
      if (q.limits.duplicateDetection) {
        const seen = q.snap.seen.get(job.id);
        if (seen !== undefined && at - seen < q.limits.duplicateWindowMs) continue;
        q.snap.seen.set(job.id, at);
      }
      const m: StoredMessage = {
        seq: q.snap.nextSeq++,
        id: job.id,
        // why: a message is bytes on the wire; what is delivered is what JSON carries, as with Service Bus
        body: JSON.parse(JSON.stringify(job.body ?? null)) as unknown,
        ...(job.correlationId !== undefined && { correlationId: job.correlationId }),
        enqueuedAt: at,
        visibleAt: Math.max(at, job.notBefore?.getTime() ?? at),
        deliveryCount: 0,
      };
      byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), m]);
    }
    await Promise.all(
      [...byQueue].map(async ([name, messages]) => {
        const q = this.q(name);
        await q.journal.append(messages.map((m) => ({ op: 'put', m })));
        for (const m of messages) q.snap.messages.set(m.seq, m);
        this.wake(q);
      }),
    );
  }

  /** Locks up to `max` deliverable messages, oldest first; expired or exhausted ones go to the dead-letter queue. */
  async receive(queue: QueueName, max: number): Promise<Delivery[]> {
    const q = this.q(queue);
    const at = this.now();
    const picked: StoredMessage[] = [];
    const dead: Promise<void>[] = [];
    for (const m of q.snap.messages.values()) {
      if (picked.length >= max) break;
      if (m.dead || m.visibleAt > at) continue;
      const lock = q.locks.get(m.seq);
      if (lock && lock.until > at) continue;
      q.locks.delete(m.seq);
      if (at - m.enqueuedAt >= q.limits.ttlMs)
        dead.push(this.kill(q, m, DEAD_LETTER_REASONS.expired, `The message expired after ${q.limits.ttlMs} ms.`));
      else if (m.deliveryCount >= q.limits.maxDeliveryCount) dead.push(this.exhausted(q, m));
      else picked.push(m);
    }
    await Promise.all(dead);
    const out: Delivery[] = [];
    for (const m of picked) {
      m.deliveryCount++;
      const lock = { token: randomUUID(), until: at + q.limits.lockMs };
      q.locks.set(m.seq, lock);
      out.push({
        queue,
        lockToken: lock.token,
        seq: m.seq,
        messageId: m.id,
        body: m.body,
        correlationId: m.correlationId,
        deliveryCount: m.deliveryCount,
        enqueuedAt: new Date(m.enqueuedAt),
        lockedUntil: new Date(lock.until),
      });
    }
    await q.journal.append(picked.map((m) => ({ op: 'dlv', seq: m.seq })));
    return out;
  }

  private held(q: QueueState, d: Pick<Delivery, 'queue' | 'seq' | 'lockToken'>): StoredMessage {
    const lock = q.locks.get(d.seq);
    const m = q.snap.messages.get(d.seq);
    if (!m || !lock || lock.token !== d.lockToken || lock.until <= this.now())
      throw new LockLostError(d.queue, d.lockToken);
    return m;
  }

  async complete(d: Pick<Delivery, 'queue' | 'seq' | 'lockToken'>): Promise<void> {
    const q = this.q(d.queue);
    this.held(q, d);
    q.locks.delete(d.seq);
    q.snap.messages.delete(d.seq);
    await q.journal.append([{ op: 'del', seq: d.seq }]);
  }

  /** Releases the lock; the message is delivered again after `retryAfterMs`, or dead-lettered if it has no tries left. */
  async abandon(d: Pick<Delivery, 'queue' | 'seq' | 'lockToken'>, retryAfterMs = 0): Promise<void> {
    const q = this.q(d.queue);
    const m = this.held(q, d);
    q.locks.delete(d.seq);
    if (m.deliveryCount >= q.limits.maxDeliveryCount) return this.exhausted(q, m);
    m.visibleAt = this.now() + retryAfterMs;
    this.wake(q);
  }

  /** Keeps the lock while a handler still works (the Functions host renews up to maxAutoLockRenewalDuration). */
  renewLock(d: Pick<Delivery, 'queue' | 'seq' | 'lockToken'>): Date {
    const q = this.q(d.queue);
    this.held(q, d);
    const until = this.now() + q.limits.lockMs;
    q.locks.set(d.seq, { token: d.lockToken, until });
    return new Date(until);
  }

  private exhausted(q: QueueState, m: StoredMessage): Promise<void> {
    return this.kill(
      q,
      m,
      DEAD_LETTER_REASONS.maxDelivery,
      `Message could not be consumed after ${q.limits.maxDeliveryCount} delivery attempts.`,
    );
  }

  private async kill(q: QueueState, m: StoredMessage, reason: string, description: string): Promise<void> {
    m.dead = { reason, description, at: this.now() };
    await q.journal.append([{ op: 'put', m }]);
  }

  /** Resolves when the queue may have work: a message arrived or was released, or `maxWaitMs` passed. */
  waitForWork(queue: QueueName, maxWaitMs: number): Promise<void> {
    const q = this.q(queue);
    const at = this.now();
    let due = at + maxWaitMs;
    for (const m of q.snap.messages.values()) {
      if (m.dead) continue;
      const lock = q.locks.get(m.seq);
      due = Math.min(due, Math.max(m.visibleAt, lock?.until ?? 0));
    }
    if (due <= at) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        q.waiters.delete(done);
        resolve();
      };
      // why: a timer may fire a millisecond before Date.now() reaches its due time
      const timer = setTimeout(done, due - at + 2);
      q.waiters.add(done);
    });
  }

  private wake(q: QueueState): void {
    for (const w of [...q.waiters]) w();
  }

  /** Ends every pending waitForWork now (a trigger stopping), so no waiter outlives its consumer. */
  wakeWaiters(): void {
    for (const q of this.queues.values()) this.wake(q);
  }

  /** Pending waitForWork calls of a queue (tests: no waiter piles up). */
  waiterCount(queue: QueueName): number {
    return this.q(queue).waiters.size;
  }

  /** Messages without locking them, oldest first: the active queue or its dead-letter queue. */
  peek(queue: QueueName, opts: { deadLetter?: boolean; count?: number } = {}): StoredMessage[] {
    const all = [...this.q(queue).snap.messages.values()].filter((m) => Boolean(m.dead) === Boolean(opts.deadLetter));
    return structuredClone(all.slice(0, opts.count ?? all.length));
  }

  /** Sends dead-lettered messages back as new messages (new MessageId `<id>~r<time>`, delivery count 0). */
  async replayDeadLetters(queue: QueueName, count = Number.POSITIVE_INFINITY): Promise<number> {
    const q = this.q(queue);
    const dead = this.peek(queue, { deadLetter: true }).slice(0, count);
    await this.enqueue(
      dead.map((m) => ({
        queue,
        id: replayId(m.id, this.now()),
        body: m.body,
        ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
      })),
    );
    for (const m of dead) q.snap.messages.delete(m.seq);
    await q.journal.append(dead.map((m) => ({ op: 'del', seq: m.seq })));
    return dead.length;
  }

  async purgeDeadLetters(queue: QueueName, count = Number.POSITIVE_INFINITY): Promise<number> {
    const q = this.q(queue);
    const dead = this.peek(queue, { deadLetter: true }).slice(0, count);
    for (const m of dead) q.snap.messages.delete(m.seq);
    await q.journal.append(dead.map((m) => ({ op: 'del', seq: m.seq })));
    return dead.length;
  }

  depths(): Promise<QueueDepth[]> {
    return Promise.resolve(
      QUEUE_NAMES.map((queue) => {
        const all = [...this.q(queue).snap.messages.values()];
        const dead = all.filter((m) => m.dead).length;
        return { queue, active: all.length - dead, deadLettered: dead, capped: false };
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.queues.values()) {
      for (const w of [...q.waiters]) w();
      await q.journal.close();
    }
    if (this.dir !== undefined) {
      rmSync(join(this.dir, LOCK_FILE), { force: true });
      openedHere.delete(this.dir);
    }
  }
}

/** Service Bus caps MessageId at 128 characters. */
export const replayId = (id: string, at: number): string => `${id.slice(0, 110)}~r${at.toString(36)}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Two brokers writing one journal would lose messages: the folder is owned by one process at a time. */
function takeFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(path, 'utf8'));
  } catch {
    owner = undefined;
  }
  if (owner !== undefined && owner !== process.pid && alive(owner))
    throw new Error(`${dir} is in use by the local broker of process ${owner} (stop it first: npm start owns it)`);
  if (owner === process.pid && openedHere.has(dir)) throw new Error(`${dir} is already open in this process`);
  writeFileSync(path, String(process.pid));
  openedHere.add(dir);
}
const openedHere = new Set<string>();
