/** The servers a load scenario runs against: this stack (child process tree) or the Socket.IO peer (1 or 2 nodes). */
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { SignJWT } from 'jose';
import { startCosmos } from '../../local/processes/cosmos-process.js';
import { childEntry, forkService, type ServiceProcess } from '../../local/processes/fork-service.js';
import type { ClientSpec } from './client-worker.js';
import { postJson } from './lean-client.js';

export type TargetKind = 'stack' | 'peer1' | 'peer2';
export const TARGET_NAMES: Record<TargetKind, string> = {
  stack: 'this stack',
  peer1: 'Socket.IO, 1 node',
  peer2: 'Socket.IO, 2 nodes + Redis adapter',
};

export interface Target {
  kind: TargetKind;
  /** What the clients connect to (stack: the app's base URL; peer: each node, clients spread over them). */
  urls: string[];
  protocol: 'signalr' | 'socketio';
  /** Named processes whose CPU and memory are reported. */
  pids: Record<string, number>;
  /** Users with tokens, in conversations of `groupSize` (users beyond `conversations × groupSize` are in none). */
  setup(users: number, groupSize: number, conversations: number): Promise<ClientSpec[]>;
  stop(): Promise<void>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

async function pool<T>(n: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await run(i);
      }
    }),
  );
  return out;
}

// why: the deployed default serves the native contract only; `npm start` adds the seeds' hubs, which triples pushes
const STACK_ENV = {
  CLIENT_CONTRACTS: 'native',
  RATE_LIMIT_SEND_PER_MINUTE: '1000000',
  RATE_LIMIT_CONVERSATIONS_PER_MINUTE: '1000000',
  LOG_LEVEL: 'error',
};

export async function startStack(store: 'memory' | 'cosmos'): Promise<Target> {
  const child = forkService(childEntry('bench/load/stack-server'));
  const started = await child.request<{ baseUrl?: string; pids?: Record<string, number>; error?: string }>(
    { op: 'start', store, env: STACK_ENV },
    (m) => m.op === 'started' || m.op === 'failed',
    120_000,
  );
  if (!started.baseUrl || !started.pids) throw new Error(`stack did not start: ${started.error}`);
  const baseUrl = started.baseUrl;
  return {
    kind: 'stack',
    urls: [baseUrl],
    protocol: 'signalr',
    pids: started.pids,
    async setup(users, groupSize, conversations) {
      const run = randomBytes(3).toString('hex');
      const tokens = await pool(
        users,
        32,
        async (i) =>
          (await postJson<{ token: string }>(`${baseUrl}/api/dev/token`, {}, { userId: `u${run}-${i}` }, agent)).token,
      );
      const convIds = await pool(conversations, 16, async (c) => {
        const ids = Array.from({ length: groupSize }, (_, k) => `u${run}-${c * groupSize + k}`);
        const body = { type: 'group', title: `load ${c}`, participants: ids.slice(1) };
        const created = await postJson<{ conversationId: string }>(
          `${baseUrl}/api/v1/messaging/conversations`,
          { authorization: `Bearer ${tokens[c * groupSize]}` },
          body,
          agent,
        );
        return created.conversationId;
      });
      return tokens.map((token, i) => ({
        userId: `u${run}-${i}`,
        token,
        conversationId: convIds[Math.floor(i / groupSize)] ?? '',
      }));
    },
    stop: () => child.stop({ op: 'stop' }, 10_000),
  };
}

export async function startPeer(nodes: 1 | 2, store: 'memory' | 'cosmos', redisUrl: string): Promise<Target> {
  const secret = randomBytes(32).toString('base64url');
  const prefix = `bench-peer-${randomBytes(4).toString('hex')}`;
  const cosmos = store === 'cosmos' ? await startCosmos(true) : undefined;
  const children: ServiceProcess[] = [];
  const urls: string[] = [];
  for (let n = 0; n < nodes; n++) {
    const child = forkService(childEntry('bench/load/peer-server'));
    children.push(child);
    const started = await child.request<{ url?: string; error?: string }>(
      {
        op: 'start',
        secret,
        prefix,
        ...(nodes > 1 && { redisUrl }),
        ...(cosmos && { cosmos: { endpoint: cosmos.endpoint, key: cosmos.key } }),
      },
      (m) => m.op === 'started' || m.op === 'failed',
      60_000,
    );
    if (!started.url) throw new Error(`peer did not start: ${started.error}`);
    urls.push(started.url);
  }
  const pids: Record<string, number> = {};
  children.forEach((c, i) => {
    pids[nodes > 1 ? `node${i + 1}` : 'node'] = c.pid;
  });
  if (cosmos) pids.cosmos = cosmos.pid;
  const key = new TextEncoder().encode(secret);
  return {
    kind: nodes === 1 ? 'peer1' : 'peer2',
    urls,
    protocol: 'socketio',
    pids,
    async setup(users, groupSize, conversations) {
      const specs: ClientSpec[] = [];
      for (let i = 0; i < users; i++) {
        const token = await new SignJWT({ sub: `p${i}` })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('2h')
          .sign(key);
        specs.push({
          userId: `p${i}`,
          token,
          conversationId: i < conversations * groupSize ? `c${Math.floor(i / groupSize)}` : '',
        });
      }
      const convs = Array.from({ length: conversations }, (_, c) => ({
        id: `c${c}`,
        members: specs.slice(c * groupSize, (c + 1) * groupSize).map((s) => s.userId),
      }));
      await Promise.all(children.map((c) => c.request({ op: 'setup', conversations: convs }, (m) => m.op === 'ready')));
      return specs;
    },
    async stop() {
      await Promise.all(children.map((c) => c.stop({ op: 'stop' })));
      await cosmos?.stop();
    },
  };
}
