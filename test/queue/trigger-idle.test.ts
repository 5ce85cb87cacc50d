import { createHook } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { installCoreApi } from '../../local/host/core-api.js';
import { ServiceBusTriggerDriver } from '../../local/host/servicebus-trigger.js';
import { LocalBroker } from '../../local/queue/broker.js';

/*
 * The local Service Bus trigger while its queues are idle: each idle wait is one broker waiter, ended by a message,
 * its timeout or stop(). Nothing is left hanging per idle cycle (the old loop raced every wait against a
 * long-lived "stopped" promise: one more never-settled reaction per cycle per queue, held until shutdown).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let broker: LocalBroker;

beforeAll(async () => {
  installCoreApi();
  const { queueConsumer } = await import('../../shared/runtime/queue-trigger.js');
  queueConsumer('idle-translations', { queue: 'translations', body: z.object({ n: z.number() }) }, () =>
    Promise.resolve(undefined),
  );
  broker = await LocalBroker.open();
});
afterAll(async () => broker?.close());

describe('local Service Bus trigger, idle', () => {
  it('when a queue stays idle for many wait cycles, then unsettled promises and broker waiters do not grow with the cycles', async () => {
    const pending = new Set<number>();
    const hook = createHook({
      init: (id, type) => void (type === 'PROMISE' && pending.add(id)),
      promiseResolve: (id) => void pending.delete(id),
    });
    const driver = new ServiceBusTriggerDriver(broker, { idleWaitMs: 2 });
    hook.enable();
    try {
      driver.start();
      await sleep(150); // some cycles, to settle into the loop
      const early = pending.size;
      await sleep(600); // a few hundred more 2 ms cycles
      const late = pending.size;
      expect(broker.waiterCount('translations')).toBeLessThanOrEqual(1);
      // why a margin: a loaded machine may catch a cycle half-way; the old loop left one per cycle (hundreds)
      expect(late - early).toBeLessThan(20);
    } finally {
      hook.disable();
      await driver.stop();
    }
    expect(broker.waiterCount('translations')).toBe(0);
  });

  it('when stop() is called during a long idle wait, then it wakes the wait and returns at once', async () => {
    const driver = new ServiceBusTriggerDriver(broker, { idleWaitMs: 60_000 });
    driver.start();
    await sleep(50);
    expect(broker.waiterCount('translations')).toBe(1);
    const started = Date.now();
    await driver.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(broker.waiterCount('translations')).toBe(0);
  });
});
