// End-to-end latency of one message between two @microsoft/signalr clients on the local stack:
// client A invokes SendMessage → hub function → store → output binding → SignalR emulator → client B.
// Run: npm run bench   (STORE=cosmos to measure on the embedded Cosmos server, REDIS_URL for Redis)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack.js';
import { connectClient } from '../test/support/hub.js';

const N = Number(process.env.BENCH_MESSAGES ?? (process.argv.includes('--quick') ? 100 : 500));
const store = process.env.STORE === 'cosmos' ? 'cosmos' : 'memory';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const stack = await startLocalStack({
  port: 0,
  signalrPort: 0,
  store,
  redisUrl: process.env.REDIS_URL,
  quiet: true,
  env: { RATE_LIMIT_SEND_PER_MINUTE: '100000', LOG_LEVEL: 'error' },
});
try {
  const token = async (userId: string) =>
    (
      (await (
        await fetch(`${stack.baseUrl}/api/dev/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId }),
        })
      ).json()) as { token: string }
    ).token;
  const [ta, tb] = await Promise.all([token('bench-a'), token('bench-b')]);
  const conv = (await (
    await fetch(`${stack.baseUrl}/api/v1/messaging/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ta}` },
      body: JSON.stringify({ type: 'direct', participants: ['bench-b'] }),
    })
  ).json()) as { conversationId: string };
  const a = await connectClient(stack.baseUrl, ta);
  const b = await connectClient(stack.baseUrl, tb);

  const deliver: number[] = [];
  const ack: number[] = [];
  // warm-up
  for (let i = 0; i < 20; i++)
    await a.conn.invoke('SendMessage', { conversationId: conv.conversationId, content: `warm ${i}` });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const start = performance.now();
    const received = b.next('OnMessageReceived', (m) => m.content === `bench ${i}`, 10_000);
    await a.conn.invoke('SendMessage', { conversationId: conv.conversationId, content: `bench ${i}` });
    ack.push(performance.now() - start);
    await received;
    deliver.push(performance.now() - start);
  }
  const elapsed = (performance.now() - t0) / 1000;
  deliver.sort((x, y) => x - y);
  ack.sort((x, y) => x - y);
  const f = (n: number) => n.toFixed(2);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
  );
  console.log(
    `stack: store=${store}, ephemeral=${process.env.REDIS_URL ? 'redis' : 'memory'}, messages=${N} sequential`,
  );
  console.log(
    `sender → receiver (ms): p50 ${f(percentile(deliver, 50))}  p90 ${f(percentile(deliver, 90))}  p99 ${f(percentile(deliver, 99))}  max ${f(deliver.at(-1) ?? NaN)}`,
  );
  console.log(`invoke → completion (ms): p50 ${f(percentile(ack, 50))}  p99 ${f(percentile(ack, 99))}`);
  console.log(`throughput (one sender, sequential): ${(N / elapsed).toFixed(0)} msg/s`);
  await a.stop();
  await b.stop();
} finally {
  await stack.stop();
}
