import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';
import { connectClient, sleep, type TestClient } from '../support/hub.js';

/** The server binary (CI installs it with Redis; .ci/run starts the shared one). */
const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** D9 seen from outside: presence while Redis is down, and after it comes back empty. */
describe('D9: presence through a Redis outage', () => {
  let stack: LocalStack | undefined;
  let redis: ChildProcess | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.stop().catch(() => undefined);
    await stack?.stop();
    stack = undefined;
    redis?.kill('SIGKILL');
    redis = undefined;
  });

  it('D9: when Redis is unreachable, then presence/get and presence/update answer 503 with retry-after, not 500', async () => {
    // why: port 1 refuses connections, so every Redis call fails
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      redisUrl: 'redis://127.0.0.1:1',
      quiet: true,
      env: { LOG_LEVEL: 'error' },
    });
    const api = apiClient(stack.baseUrl);
    const alice = await api.token('alice');
    for (const [path, body] of [
      ['presence/get', { userIds: ['alice'] }], // one's own presence is always visible (D3), so this reaches Redis
      ['presence/update', { status: 'away' }],
    ] as const) {
      const r = await api.call('POST', `${M}/${path}`, { token: alice, body });
      expectProblem(r, 503, /unavailable.*retry after/);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('D9: when Redis restarts empty, then a live connection that keeps calling Ping() shows online again', async () => {
    const port = await freePort();
    const startRedis = async () => {
      redis = spawn(REDIS_SERVER, ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor(async () => (await ping(port)) === true);
    };
    await startRedis();
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      redisUrl: `redis://127.0.0.1:${port}`,
      quiet: true,
      env: { LOG_LEVEL: 'error' },
    });
    const api = apiClient(stack.baseUrl);
    const [alice, bob] = [await api.token('alice-d9'), await api.token('bob-d9')];
    // why: presence is visible only to users who share a conversation (D3)
    const dm = await api.call('POST', `${M}/conversations`, {
      token: bob,
      body: { type: 'direct', participants: ['alice-d9'] },
    });
    expect(dm.status).toBe(201);
    const online = async () =>
      (await api.call('POST', `${M}/presence/get`, { token: bob, body: { userIds: ['alice-d9'] } })).body?.presence?.[
        'alice-d9'
      ]?.isOnline as boolean | undefined;
    const a = await connectClient(stack.baseUrl, alice);
    clients.push(a);
    // why: as on Azure, the `connected` upstream call runs after the handshake; presence follows it shortly
    await waitFor(async () => (await online()) === true);

    redis?.kill('SIGKILL');
    await waitFor(async () => (await ping(port)) === false);
    await startRedis(); // empty: --save '' and no AOF
    await waitFor(async () => (await online()) === false); // the app reconnected and Redis knows nobody
    expect(await a.conn.invoke('Ping')).toBe('pong');
    expect(await online()).toBe(true);
  }, 30_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** PING over a raw socket: true when a Redis answers on the port. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(100);
  }
}
