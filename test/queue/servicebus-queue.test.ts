import type { ServiceBusMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
  ServiceBusJobQueue,
  type ServiceBusLike,
  toServiceBusMessage,
} from '../../shared/adapters/queue/servicebus-queue.js';

/** A namespace that records what would be sent; a batch holds `perBatch` messages. */
function fakeNamespace(perBatch: number) {
  const sent: { queue: string; messages: ServiceBusMessage[] }[] = [];
  const senders: string[] = [];
  const client = {
    createSender(queue: string) {
      senders.push(queue);
      return {
        createMessageBatch() {
          const messages: ServiceBusMessage[] = [];
          return Promise.resolve({
            get count() {
              return messages.length;
            },
            messages,
            tryAddMessage: (m: ServiceBusMessage) => messages.length < perBatch && messages.push(m) > 0,
          });
        },
        sendMessages(batch: { messages: ServiceBusMessage[] }) {
          sent.push({ queue, messages: batch.messages });
          return Promise.resolve();
        },
        close: () => Promise.resolve(),
      };
    },
    createReceiver: (_queue: string, options?: { subQueueType?: string }) => ({
      peekMessages: () => Promise.resolve(options?.subQueueType === 'deadLetter' ? [{}] : [{}, {}]),
      close: () => Promise.resolve(),
    }),
    close: () => Promise.resolve(),
  };
  return { client: client as unknown as ServiceBusLike, sent, senders };
}

describe('Service Bus JobQueue (no namespace here: the mapping and batching against a fake client)', () => {
  it('when a job is mapped, then MessageId is the job id, the body is JSON, notBefore is the scheduled enqueue time', () => {
    const notBefore = new Date('2026-12-01T10:00:00Z');
    expect(
      toServiceBusMessage({
        queue: 'message-events',
        id: 'c1.42',
        body: { conversationId: 'c1', seq: 42 },
        notBefore,
        correlationId: 'req-1',
      }),
    ).toEqual({
      messageId: 'c1.42',
      body: { conversationId: 'c1', seq: 42 },
      contentType: 'application/json',
      correlationId: 'req-1',
      scheduledEnqueueTimeUtc: notBefore,
    });
    expect(toServiceBusMessage({ queue: 'retention', id: 'r', body: 1 })).toEqual({
      messageId: 'r',
      body: 1,
      contentType: 'application/json',
    });
  });

  it('when jobs for several queues are enqueued, then each queue gets one sender, reused, and batches that fit', async () => {
    const ns = fakeNamespace(2);
    const q = new ServiceBusJobQueue(ns.client);
    await q.enqueue([
      ...[1, 2, 3, 4, 5].map((n) => ({ queue: 'message-events' as const, id: `m${n}`, body: n })),
      { queue: 'push-notifications', id: 'p1', body: 'x' },
    ]);
    await q.enqueue([{ queue: 'message-events', id: 'm6', body: 6 }]);
    expect(ns.senders.sort()).toEqual(['message-events', 'push-notifications']);
    const events = ns.sent.filter((s) => s.queue === 'message-events');
    expect(events.map((b) => b.messages.map((m) => m.messageId))).toEqual([['m1', 'm2'], ['m3', 'm4'], ['m5'], ['m6']]);
    await q.close();
  });

  it('when a job is too big for an empty batch, then the enqueue fails naming it (never silently skipped)', async () => {
    const q = new ServiceBusJobQueue(fakeNamespace(0).client);
    await expect(q.enqueue([{ queue: 'translations', id: 'huge', body: 'x' }])).rejects.toThrow(/huge is larger/);
  });

  it('when depths are probed, then active and dead-lettered messages are counted by peeking', async () => {
    const depths = await new ServiceBusJobQueue(fakeNamespace(1).client).depths();
    expect(depths.find((d) => d.queue === 'retention')).toEqual({
      queue: 'retention',
      active: 2,
      deadLettered: 1,
      capped: false,
    });
  });
});
