/**
 * The peer the load bench measures this stack against: a Socket.IO 4.8 server doing a chat send's work — verify the
 * connection's token, check membership, take the conversation's next seq, persist the message (memory, or the same
 * embedded Cosmos server kind as the stack), fan it out to the conversation's room, ack the sender — with the Redis
 * adapter when it runs as one of several nodes (seq then comes from Redis INCR, as it must be shared).
 * Runs as a child process; the orchestrator (bench/load.ts) sends `start` and the conversations over IPC.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Container, CosmosClient } from '@azure/cosmos';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';

interface Start {
  op: 'start';
  secret: string;
  /** Several nodes share Redis (adapter, seq); one node keeps both in memory. */
  redisUrl?: string;
  prefix: string;
  cosmos?: { endpoint: string; key: string };
}
interface Setup {
  op: 'setup';
  conversations: { id: string; members: string[] }[];
}

interface StoredMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  content: string;
  clientMessageId: string;
  createdAt: string;
}

const members = new Map<string, Set<string>>();
const ofUser = new Map<string, string[]>();
const seqs = new Map<string, number>();
const stored = new Map<string, StoredMessage[]>();
let redis: Redis | undefined;
let container: Container | undefined;
let prefix = '';

async function nextSeq(conversationId: string): Promise<number> {
  if (redis) return redis.incr(`${prefix}:seq:${conversationId}`);
  const seq = (seqs.get(conversationId) ?? 0) + 1;
  seqs.set(conversationId, seq);
  return seq;
}

async function persist(m: StoredMessage): Promise<void> {
  if (container) {
    await container.items.create(m);
    return;
  }
  const list = stored.get(m.conversationId) ?? [];
  list.push(m);
  stored.set(m.conversationId, list);
}

async function start(cmd: Start): Promise<number> {
  prefix = cmd.prefix;
  const key = new TextEncoder().encode(cmd.secret);
  if (cmd.cosmos) {
    const client = new CosmosClient({
      endpoint: cmd.cosmos.endpoint,
      key: cmd.cosmos.key,
      connectionPolicy: { enableEndpointDiscovery: false },
      agent: new (await import('node:https')).Agent({ rejectUnauthorized: false, keepAlive: true }),
    });
    const { database } = await client.databases.createIfNotExists({ id: 'peer' });
    ({ container } = await database.containers.createIfNotExists({
      id: 'messages',
      partitionKey: { paths: ['/conversationId'] },
    }));
  }
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], serveClient: false });
  if (cmd.redisUrl) {
    redis = new Redis(cmd.redisUrl);
    const pub = new Redis(cmd.redisUrl);
    const sub = pub.duplicate();
    io.adapter(createAdapter(pub, sub, { key: `${prefix}:io` }));
  }
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== 'string') return next(new Error('no token'));
    jwtVerify(token, key).then(
      ({ payload }) => {
        socket.data.userId = payload.sub;
        next();
      },
      () => next(new Error('bad token')),
    );
  });
  io.on('connection', (socket) => {
    const userId = String(socket.data.userId);
    for (const c of ofUser.get(userId) ?? []) void socket.join(`conv:${c}`);
    socket.on('send', (input: { conversationId: string; content: string; clientMessageId: string }, ack) => {
      void (async () => {
        if (!members.get(input.conversationId)?.has(userId)) return ack({ error: 'not a participant' });
        const message: StoredMessage = {
          id: randomUUID(),
          conversationId: input.conversationId,
          seq: await nextSeq(input.conversationId),
          senderId: userId,
          content: input.content,
          clientMessageId: input.clientMessageId,
          createdAt: new Date().toISOString(),
        };
        await persist(message);
        io.to(`conv:${input.conversationId}`).emit('message', message);
        ack({ message });
      })().catch((e: unknown) => ack({ error: String(e) }));
    });
    socket.on('history', (input: { conversationId: string; after: number }, ack) => {
      if (!members.get(input.conversationId)?.has(userId)) return ack({ error: 'not a participant' });
      ack({ messages: (stored.get(input.conversationId) ?? []).filter((m) => m.seq > input.after).slice(0, 200) });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return (http.address() as AddressInfo).port;
}

process.on('message', (raw) => {
  const cmd = raw as Start | Setup | { op: 'stop' };
  if (cmd.op === 'start')
    start(cmd).then(
      (port) => process.send?.({ op: 'started', url: `http://127.0.0.1:${port}` }),
      (e: unknown) => process.send?.({ op: 'failed', error: String(e) }),
    );
  else if (cmd.op === 'setup') {
    for (const c of cmd.conversations) {
      members.set(c.id, new Set(c.members));
      for (const u of c.members) ofUser.set(u, [...(ofUser.get(u) ?? []), c.id]);
    }
    process.send?.({ op: 'ready' });
  } else process.exit(0);
});
process.on('disconnect', () => process.exit(0));
