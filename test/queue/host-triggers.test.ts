import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { installCoreApi } from '../../local/host/core-api.js';
import { DEAD_LETTER_REASONS } from '../../local/queue/broker.js';
import type { LocalStack } from '../../local/stack.js';

/*
 * Real registrations (app.serviceBusQueue / app.timer through the runtime wrappers), driven by the local host from
 * the local broker, enqueued through the composition root's JobQueue — the path the pipeline's consumers take.
 */

const seen: { body: { n: number; fail?: boolean }; deliveryCount: number; correlationId: string }[] = [];
const ticks: { isPastDue: boolean }[] = [];
let stack: LocalStack;

const until = async (ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  installCoreApi();
  const { queueConsumer, timerJob } = await import('../../shared/runtime/queue-trigger.js');
  queueConsumer(
    'test-translations',
    { queue: 'translations', body: z.object({ n: z.number(), fail: z.boolean().optional() }) },
    ({ body, deliveryCount, correlationId }) => {
      seen.push({ body, deliveryCount, correlationId });
      return body.fail ? Promise.reject(new Error(`job ${body.n} fails`)) : Promise.resolve(undefined);
    },
  );
  timerJob('test-tick', '* * * * * *', ({ isPastDue }) => {
    ticks.push({ isPastDue });
    return Promise.resolve();
  });
  const { startLocalStack } = await import('../../local/stack.js');
  stack = await startLocalStack({
    port: 0,
    signalrPort: 0,
    quiet: true,
    queueDir: mkdtempSync(join(tmpdir(), 'host-queues-')),
    // why: the app has its own translations consumer; only the test's stand-in may take these jobs
    queues: { serviceBus: { backoffMs: 30, onError: () => undefined, functions: (name) => name.startsWith('test-') } },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('local host: Service Bus and timer triggers', () => {
  it('when jobs are enqueued through the runtime, then the queue-triggered function gets each body with its metadata; a throwing one is retried then dead-lettered while others flow', async () => {
    const { getRuntime } = await import('../../shared/runtime/container.js');
    const runtime = await getRuntime();
    await runtime.queue.enqueue([
      { queue: 'translations', id: 't-poison', body: { n: 0, fail: true }, correlationId: 'req-42' },
      ...[1, 2, 3].map((n) => ({ queue: 'translations' as const, id: `t-${n}`, body: { n } })),
    ]);
    await until(() => seen.filter((s) => s.body.n === 0).length === 3 && seen.length === 6);
    await until(() => (stack.queues.broker?.peek('translations', { deadLetter: true }).length ?? 0) === 1);
    const poison = seen.filter((s) => s.body.n === 0);
    expect(poison.map((s) => s.deliveryCount)).toEqual([1, 2, 3]);
    expect(poison.every((s) => s.correlationId === 'req-42')).toBe(true);
    expect(
      seen
        .filter((s) => s.body.n > 0)
        .map((s) => s.body.n)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect(seen.find((s) => s.body.n === 1)?.correlationId, 'no correlation id: the message id').toBe('t-1');
    const [dead] = stack.queues.broker?.peek('translations', { deadLetter: true }) ?? [];
    expect(dead?.dead?.reason).toBe(DEAD_LETTER_REASONS.maxDelivery);
    expect(stack.queues.broker?.peek('translations')).toEqual([]);
  });

  it('when a body does not match the schema, then the message is not dropped: it ends in the dead-letter queue', async () => {
    const broker = stack.queues.broker!;
    await broker.enqueue([{ queue: 'translations', id: 'bad-shape', body: { n: 'x' } }]);
    await until(() => broker.peek('translations', { deadLetter: true }).some((m) => m.id === 'bad-shape'));
    expect(seen.some((s) => typeof s.body.n !== 'number')).toBe(false);
  });

  it('when a timer function is registered, then the host fires it on its NCRONTAB schedule', async () => {
    const before = ticks.length;
    await until(() => ticks.length >= before + 2, 3500);
    expect(ticks.every((t) => t.isPastDue === false)).toBe(true);
  });

  it('when the stack is up, then the queue-health timer and the app are registered with the real trigger metadata', async () => {
    const { registeredFunctions } = await import('../../local/host/core-api.js');
    const health = registeredFunctions().find((r) => r.metadata.name === 'queue-health');
    expect(Object.values(health?.metadata.bindings ?? {})[0]).toMatchObject({
      type: 'timerTrigger',
      schedule: '0 */5 * * * *',
    });
    const consumer = registeredFunctions().find((r) => r.metadata.name === 'test-translations');
    expect(Object.values(consumer?.metadata.bindings ?? {}).find((b) => b.direction === 'in')).toMatchObject({
      type: 'serviceBusTrigger',
      queueName: 'translations',
      connection: 'ServiceBusConnection',
    });
  });
});
