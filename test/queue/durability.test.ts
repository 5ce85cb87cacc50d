import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBroker } from '../../local/queue/broker.js';

const Q = 'message-events' as const;
const tempDir = () => mkdtempSync(join(tmpdir(), 'queues-'));

describe('local broker durability (journal per queue)', () => {
  it('when the broker restarts on the same folder, then an accepted message is delivered exactly once', async () => {
    const dir = tempDir();
    const first = await LocalBroker.open({ dir });
    await first.enqueue([{ queue: Q, id: 'kept', body: { n: 1 } }]);
    await first.close();

    const second = await LocalBroker.open({ dir });
    const [d] = await second.receive(Q, 10);
    expect(d).toMatchObject({ messageId: 'kept', body: { n: 1 }, deliveryCount: 1 });
    await second.complete(d!);
    await second.close();

    const third = await LocalBroker.open({ dir });
    expect(await third.receive(Q, 10)).toEqual([]);
    // the completed id is still remembered: a producer retrying after the restart is a duplicate
    await third.enqueue([{ queue: Q, id: 'kept', body: { n: 1 } }]);
    expect(third.peek(Q)).toEqual([]);
    await third.close();
  });

  it('when the process dies holding a lock, then the delivery counted and the message comes back after the restart', async () => {
    const dir = tempDir();
    const a = await LocalBroker.open({ dir, limits: { [Q]: { maxDeliveryCount: 2 } } });
    await a.enqueue([{ queue: Q, id: 'crashes', body: 0 }]);
    await a.receive(Q, 1);
    await a.close();
    const b = await LocalBroker.open({ dir, limits: { [Q]: { maxDeliveryCount: 2 } } });
    const [d] = await b.receive(Q, 1);
    expect(d?.deliveryCount).toBe(2);
    await b.close();
    const c = await LocalBroker.open({ dir, limits: { [Q]: { maxDeliveryCount: 2 } } });
    expect(await c.receive(Q, 1), 'two deliveries spent: dead-lettered').toEqual([]);
    expect(c.peek(Q, { deadLetter: true }).map((m) => m.id)).toEqual(['crashes']);
    await c.close();
  });

  it('when the journal ends in a torn line, then start-up ignores it and compacts the file', async () => {
    const dir = tempDir();
    const a = await LocalBroker.open({ dir });
    await a.enqueue([1, 2, 3].map((n) => ({ queue: Q, id: `m${n}`, body: n })));
    for (const d of await a.receive(Q, 2)) await a.complete(d);
    await a.close();
    appendFileSync(join(dir, `${Q}.jsonl`), '{"op":"put","m":{"seq":9');
    const b = await LocalBroker.open({ dir });
    expect(b.peek(Q).map((m) => m.body)).toEqual([3]);
    const lines = readFileSync(join(dir, `${Q}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { op: string }).op)).toEqual(['next', 'seen', 'seen', 'put']);
    await b.enqueue([{ queue: Q, id: 'm4', body: 4 }]);
    expect(b.peek(Q).map((m) => m.seq)).toEqual([3, 4]);
    await b.close();
  });

  it('when a second broker opens a folder in use, then it is refused, naming the owner', async () => {
    const dir = tempDir();
    const a = await LocalBroker.open({ dir });
    await expect(LocalBroker.open({ dir })).rejects.toThrow(/already open/);
    await a.close();
    const b = await LocalBroker.open({ dir });
    await b.close();
  });
});
