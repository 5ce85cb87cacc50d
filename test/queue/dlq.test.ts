import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBroker } from '../../local/queue/broker.js';
import { runDlq } from '../../ops/dlq.js';

const Q = 'push-notifications' as const;

async function run(...argv: string[]) {
  const lines: string[] = [];
  const code = await runDlq(argv, (l) => void lines.push(l), {});
  return { code, lines };
}

/** A journal folder with three dead-lettered push jobs and one live one, the broker stopped (as npm start would be). */
async function folderWithDeadLetters(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dlq-'));
  const b = await LocalBroker.open({ dir, limits: { [Q]: { maxDeliveryCount: 1 } } });
  await b.enqueue([1, 2, 3].map((n) => ({ queue: Q, id: `push-${n}`, body: { n } })));
  for (const d of await b.receive(Q, 3)) await b.abandon(d);
  await b.enqueue([{ queue: Q, id: 'push-live', body: { n: 4 } }]);
  await b.close();
  return dir;
}

describe('npm run dlq (against the local broker’s journal folder)', () => {
  it('when listing and peeking, then dead letters are counted per queue and shown with reason and body, nothing removed', async () => {
    const dir = await folderWithDeadLetters();
    const list = await run('list', '--dir', dir);
    expect(list.code).toBe(0);
    expect(list.lines).toContain(`${Q.padEnd(20)} 3 dead-lettered`);
    expect(list.lines).toContain(`${'translations'.padEnd(20)} 0 dead-lettered`);
    const peek = await run('peek', Q, '--count', '2', '--dir', dir);
    expect(peek.lines.filter((l) => l.startsWith('push-')).length).toBe(2);
    expect(peek.lines[0]).toMatch(
      /^push-1 {2}MaxDeliveryCountExceeded: Message could not be consumed after 1 delivery attempts\. {2}deliveries=1/,
    );
    expect(peek.lines[1]).toBe('  {"n":1}');
    expect((await run('list', Q, '--dir', dir)).lines).toEqual([`${Q.padEnd(20)} 3 dead-lettered`]);
  });

  it('when replaying and purging, then messages go back to the queue as new ones or are gone', async () => {
    const dir = await folderWithDeadLetters();
    expect((await run('replay', Q, '--count', '2', '--dir', dir)).lines).toEqual([`${Q}: replayed 2`]);
    expect((await run('purge', Q, '--dir', dir)).lines).toEqual([`${Q}: purged 1`]);
    const b = await LocalBroker.open({ dir });
    expect(b.peek(Q, { deadLetter: true })).toEqual([]);
    expect(b.peek(Q).map((m) => m.body)).toEqual([{ n: 4 }, { n: 1 }, { n: 2 }]);
    const delivered = await b.receive(Q, 10);
    expect(delivered.map((d) => d.deliveryCount)).toEqual([1, 1, 1]);
    await b.close();
  });

  it('when the command is wrong or the folder is in use, then it says so', async () => {
    expect((await run('peek')).code).toBe(2);
    expect((await run('drop', Q)).lines[0]).toMatch(/^usage: npm run dlq/);
    const dir = mkdtempSync(join(tmpdir(), 'dlq-'));
    const owner = await LocalBroker.open({ dir });
    await expect(run('list', '--dir', dir)).rejects.toThrow(/already open/);
    await owner.close();
  });
});
