import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_REASONS, type LocalBroker, LockLostError } from '../../local/queue/broker.js';
import type { QueueLimits } from '../../local/queue/queue-settings.js';
import type { QueueName } from '../../shared/domain/queues.js';

/** Short locks so lock expiry is observable in milliseconds. */
export const FAST: Partial<Record<QueueName, Partial<QueueLimits>>> = {
  'message-events': { lockMs: 150, maxDeliveryCount: 3 },
  'link-previews': { lockMs: 150, ttlMs: 120 },
};

export type OpenBroker = (limits?: Partial<Record<QueueName, Partial<QueueLimits>>>) => Promise<LocalBroker>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The semantics every local JobQueue (file journal, memory twin) shares with Service Bus. */
export function queueContract(name: string, open: OpenBroker): void {
  describe(`JobQueue contract: ${name}`, () => {
    const Q = 'message-events' as const;

    it('when a job is enqueued and completed, then it is delivered once with its body, id and correlation id', async () => {
      const b = await open(FAST);
      await b.enqueue([{ queue: Q, id: 'j1', body: { conversationId: 'c1', seq: 3 }, correlationId: 'corr-1' }]);
      const [d] = await b.receive(Q, 10);
      expect(d).toMatchObject({ messageId: 'j1', body: { conversationId: 'c1', seq: 3 }, correlationId: 'corr-1' });
      expect(d?.deliveryCount).toBe(1);
      await b.complete(d!);
      expect(await b.receive(Q, 10)).toEqual([]);
      await b.close();
    });

    it('when a locked message is abandoned, then it is redelivered with a higher delivery count, after the backoff', async () => {
      const b = await open(FAST);
      await b.enqueue([{ queue: Q, id: 'j1', body: 1 }]);
      const [first] = await b.receive(Q, 1);
      expect(await b.receive(Q, 1), 'locked: nobody else gets it').toEqual([]);
      await b.abandon(first!, 120);
      expect(await b.receive(Q, 1), 'not before the backoff').toEqual([]);
      await sleep(160);
      const [again] = await b.receive(Q, 1);
      expect(again?.deliveryCount).toBe(2);
      await b.close();
    });

    it('when a message fails max-delivery-count times, then it is in the dead-letter queue with the Service Bus reason', async () => {
      const b = await open(FAST);
      await b.enqueue([
        { queue: Q, id: 'poison', body: 'p' },
        { queue: Q, id: 'fine', body: 'f' },
      ]);
      for (let i = 1; i <= 3; i++) {
        const [d] = await b.receive(Q, 1);
        expect(d?.messageId, 'oldest first').toBe('poison');
        expect(d?.deliveryCount).toBe(i);
        await b.abandon(d!);
      }
      const left = await b.receive(Q, 10);
      expect(left.map((d) => d.messageId)).toEqual(['fine']);
      const [dead] = b.peek(Q, { deadLetter: true });
      expect(dead).toMatchObject({ id: 'poison', deliveryCount: 3, body: 'p' });
      expect(dead?.dead?.reason).toBe(DEAD_LETTER_REASONS.maxDelivery);
      expect(dead?.dead?.description).toBe('Message could not be consumed after 3 delivery attempts.');
      expect((await b.depths()).find((x) => x.queue === Q)).toMatchObject({ active: 1, deadLettered: 1 });
      await b.close();
    });

    it('when a lock expires unsettled, then the message is redelivered and the old lock can no longer settle it', async () => {
      const b = await open(FAST);
      await b.enqueue([{ queue: Q, id: 'slow', body: 0 }]);
      const [first] = await b.receive(Q, 1);
      await sleep(200);
      const [second] = await b.receive(Q, 1);
      expect(second?.messageId).toBe('slow');
      expect(second?.deliveryCount).toBe(2);
      await expect(b.complete(first!)).rejects.toBeInstanceOf(LockLostError);
      await b.complete(second!);
      expect(b.peek(Q)).toEqual([]);
      await b.close();
    });

    it('when the last allowed delivery lets its lock expire, then the message is dead-lettered, not delivered again', async () => {
      const b = await open({ 'message-events': { lockMs: 40, maxDeliveryCount: 2 } });
      await b.enqueue([{ queue: Q, id: 'hangs', body: 0 }]);
      await b.receive(Q, 1);
      await sleep(60);
      await b.receive(Q, 1);
      await sleep(60);
      expect(await b.receive(Q, 1)).toEqual([]);
      expect(b.peek(Q, { deadLetter: true })[0]?.dead?.reason).toBe(DEAD_LETTER_REASONS.maxDelivery);
      await b.close();
    });

    it('when a job has notBefore, then it is not delivered before that instant', async () => {
      const b = await open(FAST);
      await b.enqueue([{ queue: Q, id: 'later', body: 0, notBefore: new Date(Date.now() + 150) }]);
      expect(await b.receive(Q, 1)).toEqual([]);
      await b.waitForWork(Q, 1000);
      const [d] = await b.receive(Q, 1);
      expect(d?.messageId).toBe('later');
      await b.close();
    });

    it('when the same MessageId is enqueued twice within the window, then a queue with duplicate detection keeps one, another keeps both', async () => {
      const b = await open(FAST);
      await b.enqueue([{ queue: Q, id: 'same', body: 1 }]);
      await b.enqueue([
        { queue: Q, id: 'same', body: 2 },
        { queue: 'link-previews', id: 'same', body: 1 },
        { queue: 'link-previews', id: 'same', body: 2 },
      ]);
      expect(b.peek(Q).map((m) => m.body)).toEqual([1]);
      expect(b.peek('link-previews').length).toBe(2);
      // completed messages stay in the history: a late retry of the producer is still a duplicate
      const [d] = await b.receive(Q, 1);
      await b.complete(d!);
      await b.enqueue([{ queue: Q, id: 'same', body: 3 }]);
      expect(b.peek(Q)).toEqual([]);
      await b.close();
    });

    it('when a message outlives its TTL, then it is dead-lettered as expired, never dropped', async () => {
      const b = await open(FAST);
      await b.enqueue([{ queue: 'link-previews', id: 'old', body: 0 }]);
      await sleep(150);
      expect(await b.receive('link-previews', 1)).toEqual([]);
      expect(b.peek('link-previews', { deadLetter: true })[0]?.dead?.reason).toBe(DEAD_LETTER_REASONS.expired);
      await b.close();
    });

    it('when dead letters are replayed or purged, then they come back as new messages or are gone', async () => {
      const b = await open({ 'message-events': { maxDeliveryCount: 1 } });
      await b.enqueue([1, 2, 3].map((n) => ({ queue: Q, id: `d${n}`, body: n })));
      for (const d of await b.receive(Q, 10)) await b.abandon(d);
      expect(b.peek(Q, { deadLetter: true }).length).toBe(3);
      expect(await b.replayDeadLetters(Q, 2)).toBe(2);
      const back = await b.receive(Q, 10);
      expect(back.map((d) => d.body)).toEqual([1, 2]);
      expect(back.every((d) => d.deliveryCount === 1 && /^d\d~r/.test(d.messageId))).toBe(true);
      expect(await b.purgeDeadLetters(Q)).toBe(1);
      expect(b.peek(Q, { deadLetter: true })).toEqual([]);
      await b.close();
    });

    it('when a consumer waits, then an enqueue wakes it at once', async () => {
      const b = await open(FAST);
      const started = Date.now();
      const waiting = b.waitForWork(Q, 5000);
      await b.enqueue([{ queue: Q, id: 'wake', body: 0 }]);
      await waiting;
      expect(Date.now() - started).toBeLessThan(1000);
      await b.close();
    });
  });
}
