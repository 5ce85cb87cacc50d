import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, type TestClient } from '../support/hub.js';

/** Creates a group of `ids` (the first is the creator) and returns its id. */
async function group(api: ReturnType<typeof apiClient>, tokens: string[], ids: string[]): Promise<string> {
  const created = await api.call('POST', `${M}/conversations`, {
    token: tokens[0],
    body: { type: 'group', title: 'order', participants: ids.slice(1) },
  });
  expect(created.status).toBe(201);
  return created.body.conversationId as string;
}

describe('per-conversation order within one host process', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      quiet: true,
      env: { RATE_LIMIT_SEND_PER_MINUTE: '10000' },
    });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await stack.stop();
  });

  it('when eight members send at once, then every member receives the messages in seq order, none missing', async () => {
    const run = `${process.pid}-${Date.now()}`;
    const ids = Array.from({ length: 8 }, (_, n) => `ord-${n}-${run}`);
    const tokens = await Promise.all(ids.map((id) => api.token(id)));
    const conversationId = await group(api, tokens, ids);
    clients.push(...(await Promise.all(tokens.map((t) => connectClient(stack.baseUrl, t)))));
    const perSender = 12;
    // why: not awaited one by one, so the eight connections' invocations overlap in the host
    const sends = clients.flatMap((c, k) =>
      Array.from({ length: perSender }, (_, i) =>
        c.conn.invoke('SendMessage', { conversationId, content: `m ${k}-${i}`, clientMessageId: `o-${k}-${i}` }),
      ),
    );
    await Promise.all(sends);
    const total = perSender * clients.length;
    for (const c of clients) {
      await c.next('OnMessageReceived', (m) => m.seq === total, 30_000);
      const seqs = c.events.filter((e) => e.target === 'OnMessageReceived').map((e) => e.payload.seq as number);
      expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
  }, 60_000);
});

describe('the local stack in separate processes (npm start)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, signalrPort: 0, quiet: true, separateProcesses: true, store: 'cosmos' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs the emulator and the embedded Cosmos server in their own processes, and a message still goes end to end', async () => {
    expect(stack.pids.emulator).not.toBe(process.pid);
    expect(stack.pids.cosmos).toBeDefined();
    expect(stack.pids.cosmos).not.toBe(process.pid);
    expect(stack.pids.cosmos).not.toBe(stack.pids.emulator);
    const api = apiClient(stack.baseUrl);
    const run = `${process.pid}-${Date.now()}`;
    const [alice, bob] = [`sep-a-${run}`, `sep-b-${run}`];
    const [ta, tb] = await Promise.all([api.token(alice), api.token(bob)]);
    const created = await api.call('POST', `${M}/conversations`, {
      token: ta,
      body: { type: 'direct', participants: [bob] },
    });
    expect(created.status).toBe(201);
    const a = await connectClient(stack.baseUrl, ta);
    const b = await connectClient(stack.baseUrl, tb);
    try {
      const received = b.next('OnMessageReceived', (m) => m.content === 'across processes', 10_000);
      const sent = await a.conn.invoke<{ seq: number }>('SendMessage', {
        conversationId: created.body.conversationId,
        content: 'across processes',
      });
      expect((await received).seq).toBe(sent.seq);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('stops its child processes with the stack', async () => {
    const pids = [stack.pids.emulator, stack.pids.cosmos as number];
    await stack.stop();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
  }, 20_000);
});
