import { attachLocalBroker } from '../../shared/adapters/queue/local-queue.js';
import type { Settings } from '../../shared/config/settings.js';
import { type ServiceBusDriverOptions, ServiceBusTriggerDriver } from '../host/servicebus-trigger.js';
import { type TimerDriverOptions, TimerTriggerDriver } from '../host/timer-trigger.js';
import { type BrokerOptions, LocalBroker } from './broker.js';

export interface LocalQueueOptions {
  /** Per-queue overrides of the Bicep's settings (tests: short locks). */
  limits?: BrokerOptions['limits'];
  serviceBus?: ServiceBusDriverOptions;
  timers?: TimerDriverOptions;
}

/** The queue half of the local stack: the broker (QUEUE_MODE=local) and the host's Service Bus and timer triggers. */
export interface LocalQueues {
  /** undefined with QUEUE_MODE=servicebus (the real namespace drives nothing here). */
  broker: LocalBroker | undefined;
  /** Once the functions are registered: deliver messages and fire timers. */
  startTriggers(): void;
  /** Holds / releases the Service Bus triggers (messages queue up meanwhile): tests make timing deterministic. */
  pauseTriggers(): void;
  resumeTriggers(): void;
  stop(): Promise<void>;
}

export async function openLocalQueues(settings: Settings, opts: LocalQueueOptions = {}): Promise<LocalQueues> {
  const broker =
    settings.queue.kind === 'local'
      ? await LocalBroker.open({ dir: settings.queue.dir, ...(opts.limits && { limits: opts.limits }) })
      : undefined;
  const detach = broker && settings.queue.kind === 'local' ? attachLocalBroker(settings.queue.dir, broker) : undefined;
  const serviceBus = broker && new ServiceBusTriggerDriver(broker, opts.serviceBus);
  const timers = new TimerTriggerDriver(opts.timers);
  return {
    broker,
    startTriggers() {
      serviceBus?.start();
      timers.start();
    },
    pauseTriggers: () => serviceBus?.pause(),
    resumeTriggers: () => serviceBus?.resume(),
    async stop() {
      await Promise.all([serviceBus?.stop(), timers.stop()]);
      detach?.();
      await broker?.close();
    },
  };
}
