/**
 * A load-generating child process: holds a share of the clients (lean SignalR clients, or socket.io-client for the
 * peer), sends its share of the rate, and records what every client receives. Commands arrive over IPC from
 * bench/load.ts; the load is generated here so the client side does not starve the server under test.
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { httpJson, LeanHubClient } from './lean-client.js';

export interface ClientSpec {
  userId: string;
  token: string;
  conversationId: string;
}

export type WorkerCommand =
  | { op: 'connect'; kind: 'signalr' | 'socketio'; urls: string[]; clients: ClientSpec[]; concurrency: number }
  | { op: 'run'; rate: number; durationMs: number; sendersOnly?: boolean }
  | { op: 'collect' }
  | { op: 'storm' }
  | { op: 'close' };

const now = (): number => performance.timeOrigin + performance.now();
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Received {
  conversationId: string;
  seq: number;
  content: string;
}

/** One client, whichever protocol: connect, send, drop, catch up. */
interface Conn {
  send(conversationId: string, content: string, clientMessageId: string): Promise<void>;
  drop(): void;
  close(): void;
  history(conversationId: string, after: number): Promise<Received[]>;
}

class ClientState {
  conn: Conn | undefined;
  lastSeq = 0;
  readonly seqs = new Set<number>();
  readonly keys = new Set<string>();
  constructor(readonly spec: ClientSpec) {}
}

let kind: 'signalr' | 'socketio' = 'signalr';
let urls: string[] = [];
let clients: ClientState[] = [];
const latencies: number[] = [];
const ackLatencies: number[] = [];
const perKey = new Map<string, number>();
let duplicates = 0;
let outOfOrder = 0;
let deliveries = 0;

function onMessage(state: ClientState, m: Received, pushed: boolean): void {
  const bar = m.content.indexOf('|');
  const key = bar > 0 ? m.content.slice(bar + 1) : m.content;
  if (state.keys.has(key)) {
    duplicates++;
    return;
  }
  state.keys.add(key);
  perKey.set(key, (perKey.get(key) ?? 0) + 1);
  if (pushed) {
    deliveries++;
    if (m.seq < state.lastSeq) outOfOrder++;
    const sentAt = Number(m.content.slice(0, bar));
    if (Number.isFinite(sentAt)) latencies.push(now() - sentAt);
  }
  state.seqs.add(m.seq);
  if (m.seq > state.lastSeq) state.lastSeq = m.seq;
}

async function connectOne(state: ClientState, index: number): Promise<Conn> {
  const url = urls[index % urls.length] ?? '';
  if (kind === 'signalr') {
    const client = await LeanHubClient.connect(
      url,
      state.spec.token,
      (target, payload) => {
        if (target === 'OnMessageReceived') onMessage(state, payload as Received, true);
      },
      { agent },
    );
    return {
      send: async (conversationId, content, clientMessageId) => {
        await client.invoke('SendMessage', { conversationId, content, clientMessageId });
      },
      drop: () => client.drop(),
      close: () => client.close(),
      history: async (conversationId, after) =>
        (
          await httpJson<{ messages: Received[] }>(
            'GET',
            `${url}/api/v1/messaging/conversations/${conversationId}/messages?after=${after}&limit=200`,
            { authorization: `Bearer ${state.spec.token}` },
            undefined,
            agent,
          )
        ).messages,
    };
  }
  const socket: Socket = io(url, {
    transports: ['websocket'],
    auth: { token: state.spec.token },
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e) => reject(e));
  });
  socket.on('message', (m: Received) => onMessage(state, m, true));
  const ack = <T>(event: string, payload: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      socket.emit(event, payload, (r: T & { error?: string }) => (r.error ? reject(new Error(r.error)) : resolve(r))),
    );
  return {
    send: async (conversationId, content, clientMessageId) => {
      await ack('send', { conversationId, content, clientMessageId });
    },
    drop: () => socket.io.engine.close(),
    close: () => socket.close(),
    history: async (conversationId, after) =>
      (await ack<{ messages: Received[] }>('history', { conversationId, after })).messages,
  };
}

async function pool<T>(items: T[], concurrency: number, run: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await run(items[i] as T, i);
      }
    }),
  );
}

/** The first member of every conversation, then every second one…: consecutive sends go to different conversations. */
function interleaved(states: ClientState[]): ClientState[] {
  const rank = new Map<string, number>();
  const ranked = states.map((state) => {
    const r = rank.get(state.spec.conversationId) ?? 0;
    rank.set(state.spec.conversationId, r + 1);
    return { state, r };
  });
  return ranked.sort((x, y) => x.r - y.r).map((x) => x.state);
}

let sendCounter = 0;
async function run(rate: number, durationMs: number): Promise<unknown> {
  const started = now();
  let sent = 0;
  let accepted = 0;
  const inflight: Promise<void>[] = [];
  const senders = interleaved(clients.filter((c) => c.conn !== undefined));
  const errors = new Map<string, number>();
  const acceptedKeys: string[] = [];
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = now() - started;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), Math.floor((durationMs / 1000) * rate)) - sent;
      for (let i = 0; i < due && senders.length > 0; i++) {
        const state = senders[(sent + i) % senders.length] as ClientState;
        const key = `${process.pid}:${sendCounter++}@${state.spec.conversationId}`;
        const t = now();
        inflight.push(
          (state.conn as Conn).send(state.spec.conversationId, `${t.toFixed(3)}|${key}`, key).then(
            () => {
              accepted++;
              acceptedKeys.push(key);
              ackLatencies.push(now() - t);
            },
            (e: unknown) => {
              const text = e instanceof Error ? e.message.slice(0, 120) : String(e);
              errors.set(text, (errors.get(text) ?? 0) + 1);
            },
          ),
        );
      }
      sent += Math.max(0, due);
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  // why: a send still unanswered 30 s after the run counts as failed
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 30_000))]);
  return { op: 'ran', sent, accepted, acceptedKeys, errors: [...errors.entries()].slice(0, 5) };
}

/** Every client loses its connection at once, reconnects at once and catches up with one `?after=` read. */
async function storm(): Promise<unknown> {
  const t0 = now();
  for (const c of clients) c.conn?.drop();
  const reconnectMs: number[] = [];
  const caughtUpMs: number[] = [];
  let failed = 0;
  await Promise.all(
    clients.map(async (state, i) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          state.conn = await connectOne(state, i);
          reconnectMs.push(now() - t0);
          const missed = await state.conn.history(state.spec.conversationId, state.lastSeq);
          for (const m of missed) onMessage(state, m, false);
          caughtUpMs.push(now() - t0);
          return;
        } catch {
          // why: the real client retries (0, 2, 10, 30 s by default); here quickly, counting the time it takes
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
      failed++;
    }),
  );
  return { op: 'stormed', reconnectMs, caughtUpMs, failed };
}

process.on('message', (raw) => {
  const cmd = raw as WorkerCommand;
  void (async () => {
    switch (cmd.op) {
      case 'connect': {
        kind = cmd.kind;
        urls = cmd.urls;
        clients = cmd.clients.map((s) => new ClientState(s));
        const t0 = now();
        const failedUsers: string[] = [];
        const errors = new Set<string>();
        await pool(clients, cmd.concurrency, async (state, i) => {
          try {
            state.conn = await connectOne(state, i);
          } catch (e) {
            failedUsers.push(state.spec.userId);
            errors.add(e instanceof Error ? e.message.slice(0, 160) : String(e));
          }
        });
        process.send?.({ op: 'connected', ms: now() - t0, failedUsers, errors: [...errors].slice(0, 3) });
        return;
      }
      case 'run':
        process.send?.(await run(cmd.rate, cmd.durationMs));
        return;
      case 'storm':
        process.send?.(await storm());
        return;
      case 'collect': {
        let gaps = 0;
        for (const c of clients) {
          if (c.seqs.size === 0) continue;
          const sorted = [...c.seqs].sort((a, b) => a - b);
          gaps += (sorted.at(-1) ?? 0) - (sorted[0] ?? 0) + 1 - sorted.length;
        }
        process.send?.({
          op: 'collected',
          latencies,
          ackLatencies,
          perKey: [...perKey.entries()],
          duplicates,
          outOfOrder,
          deliveries,
          gaps,
        });
        latencies.length = 0;
        ackLatencies.length = 0;
        perKey.clear();
        duplicates = 0;
        outOfOrder = 0;
        deliveries = 0;
        return;
      }
      case 'close':
        for (const c of clients) c.conn?.close();
        process.send?.({ op: 'closed' });
        setTimeout(() => process.exit(0), 200);
        return;
    }
  })();
});
process.on('disconnect', () => process.exit(0));
