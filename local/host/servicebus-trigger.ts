import { QUEUE_NAMES, type QueueName } from '../../shared/domain/queues.js';
import type { Delivery, LocalBroker } from '../queue/broker.js';
import { invokeRegistered, type Registration, registeredFunctions, triggerBinding } from './core-api.js';
import { flushOutputs } from './signalr-extension.js';

export interface ServiceBusDriverOptions {
  /** host.json extensions.serviceBus.maxConcurrentCalls: messages in flight per function. */
  maxConcurrentCalls?: number;
  /** Backoff before a failed message is delivered again: base × 2^(deliveryCount−1), at most maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** host.json maxAutoLockRenewalDuration: locks are renewed while a handler runs, up to this long. */
  maxAutoLockRenewalMs?: number;
  /** Longest wait for work on an idle queue before looking again (a new message or stop() ends it sooner). */
  idleWaitMs?: number;
  onError?: (fn: string, error: unknown) => void;
  /** Which queue-triggered functions are driven (default all): a test that stands in for a queue's consumer. */
  functions?: (name: string) => boolean;
}

/** host.json extensions.serviceBus (checked against the file by test/infra/queues.test.ts). */
export const HOST_SERVICE_BUS = { maxConcurrentCalls: 16, maxAutoLockRenewalMs: 5 * 60_000 };

interface Consumer {
  reg: Registration;
  triggerName: string;
  queue: QueueName;
}

/** serviceBusTrigger registrations, checked the way the extension would refuse them at start. */
function consumers(): Consumer[] {
  return registeredFunctions().flatMap((reg) => {
    const [triggerName, t] = triggerBinding(reg);
    if (t.type?.toLowerCase() !== 'servicebustrigger') return [];
    const name = reg.metadata.name;
    const queue = QUEUE_NAMES.find((q) => q === t.queueName);
    if (!queue) throw new Error(`${name}: queue ${String(t.queueName)} is not one of ${QUEUE_NAMES.join(', ')}`);
    if (t.cardinality === 'many') throw new Error(`${name}: cardinality "many" is not supported by the local host`);
    if (t.autoCompleteMessages === false || t.isSessionsEnabled === true)
      throw new Error(`${name}: message actions and sessions are not supported by the local host`);
    return [{ reg, triggerName, queue }];
  });
}

/**
 * The Service Bus trigger of the local host: for each queue-triggered function, receives from the local broker with
 * peek-lock, up to maxConcurrentCalls at a time, invokes the handler through the library's invocation model with
 * the trigger metadata the extension sends, completes on success, abandons on a throw (redelivered after a backoff;
 * the broker dead-letters after maxDeliveryCount), and renews the lock while the handler runs.
 */
export class ServiceBusTriggerDriver {
  private running = true;
  /** Set while paused: resolved by resume() or stop(). */
  private gate: { opened: Promise<void>; open: () => void } | undefined;
  private readonly loops: Promise<void>[] = [];
  private readonly opts: Required<ServiceBusDriverOptions>;

  constructor(
    private readonly broker: LocalBroker,
    opts: ServiceBusDriverOptions = {},
  ) {
    this.opts = {
      ...HOST_SERVICE_BUS,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      idleWaitMs: 1000,
      onError: (fn, e) => console.error(`[${fn}] queue message failed:`, e instanceof Error ? e.message : e),
      functions: () => true,
      ...opts,
    };
  }

  start(): void {
    for (const c of consumers()) if (this.opts.functions(c.reg.metadata.name)) this.loops.push(this.loop(c));
  }

  private async loop(c: Consumer): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (this.running) {
      if (this.gate) {
        await this.gate.opened;
        continue;
      }
      const free = this.opts.maxConcurrentCalls - inFlight.size;
      if (free <= 0) {
        // why: every slot is busy, so wait for one to free up; waiting for work here would return at once while
        // messages queue up, spinning the loop and piling reactions onto the in-flight promises (a heap leak)
        // (stop() does not need to end this wait: in-flight handlers are awaited on the way out anyway)
        await Promise.race(inFlight);
        continue;
      }
      const batch = await this.broker.receive(c.queue, free);
      for (const d of batch) {
        const p = this.handle(c, d).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      // why no race against a "stopped" promise: each race would hang one more reaction on it until shutdown; stop()
      // wakes the broker's waiters instead
      if (batch.length === 0 && this.running && !this.gate)
        await this.broker.waitForWork(c.queue, this.opts.idleWaitMs);
    }
    await Promise.allSettled(inFlight);
  }

  private async handle(c: Consumer, d: Delivery): Promise<void> {
    const started = Date.now();
    const renew = setInterval(
      () => {
        if (Date.now() - started > this.opts.maxAutoLockRenewalMs) return;
        try {
          this.broker.renewLock(d);
        } catch {
          // the lock is lost; the settle below reports it
        }
      },
      Math.max(10, (d.lockedUntil.getTime() - Date.now()) / 2),
    );
    try {
      const response = await invokeRegistered(
        c.reg,
        [{ name: c.triggerName, data: { string: JSON.stringify(d.body) } }],
        triggerMetadata(d),
      );
      await flushOutputs(c.reg, response);
      clearInterval(renew);
      await this.broker.complete(d);
    } catch (e) {
      clearInterval(renew);
      this.opts.onError(c.reg.metadata.name, e);
      const backoff = Math.min(this.opts.backoffMs * 2 ** (d.deliveryCount - 1), this.opts.maxBackoffMs);
      await this.broker.abandon(d, backoff).catch((lost: unknown) => this.opts.onError(c.reg.metadata.name, lost));
    }
  }

  /** Stops taking messages (in-flight ones finish) until resume(): tests hold a queue's consumer this way. */
  pause(): void {
    if (this.gate) return;
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.gate = { opened, open };
    this.broker.wakeWaiters();
  }

  resume(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.resume();
    this.broker.wakeWaiters();
    await Promise.all(this.loops);
  }
}

/** What the Service Bus extension puts in the trigger metadata (the library camel-cases the keys). */
function triggerMetadata(d: Delivery) {
  const json = (v: unknown) => ({ json: JSON.stringify(v) });
  return {
    MessageId: json(d.messageId),
    DeliveryCount: json(d.deliveryCount),
    SequenceNumber: json(d.seq),
    EnqueuedTimeUtc: json(d.enqueuedAt.toISOString()),
    LockedUntilUtc: json(d.lockedUntil.toISOString()),
    LockToken: json(d.lockToken),
    ContentType: json('application/json'),
    ...(d.correlationId !== undefined && { CorrelationId: json(d.correlationId) }),
  };
}
