// `npm run smoke -- <base-url>`: after `azd up` (or against `npm start`), proves a deployment works end to end with
// two real @microsoft/signalr clients. One PASS/FAIL line per step with its latency; exit code 1 on any failure.
// Tokens: on a local stack dev tokens are fetched; on Azure pass two users' tokens in SMOKE_TOKEN_A / SMOKE_TOKEN_B.
import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';

export interface SmokeStep {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface SmokeOptions {
  tokens?: { a: string; b: string };
  /** Wait this long for each realtime event; default 10 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

const M = 'v1/messaging';

class Client {
  readonly events: { target: string; payload: Record<string, unknown> }[] = [];
  private readonly waiters: { target: string; match: (p: Record<string, unknown>) => boolean; resolve: () => void }[] =
    [];
  constructor(readonly conn: HubConnection) {
    for (const target of ['OnMessageReceived', 'OnTypingIndicator', 'OnMessageRead', 'ConversationUpdated']) {
      conn.on(target, (payload: Record<string, unknown>) => {
        this.events.push({ target, payload });
        for (const w of [...this.waiters])
          if (w.target === target && w.match(payload)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve();
          }
      });
    }
  }
  next(target: string, match: (p: Record<string, unknown>) => boolean, timeoutMs: number): Promise<void> {
    if (this.events.some((e) => e.target === target && match(e.payload))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { target, match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        if (this.waiters.includes(w)) reject(new Error(`no ${target} within ${timeoutMs} ms`));
      }, timeoutMs).unref();
    });
  }
}

const claimOf = (jwt: string, claim: string): unknown =>
  (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>)[claim];

export async function runSmoke(baseUrl: string, opts: SmokeOptions = {}): Promise<SmokeStep[]> {
  const base = baseUrl.replace(/\/+$/, '').replace(/\/api$/, '');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const log = opts.log ?? (() => undefined);
  const steps: SmokeStep[] = [];
  const clients: Client[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];

  const api = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}/api/${path}`, {
      method,
      headers: {
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    if (!res.ok) throw new Error(`${method} /api/${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return json ?? {};
  };
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      const value = await run();
      const s = { name, ok: true, ms: Math.round(performance.now() - t0) };
      steps.push(s);
      log(`PASS ${name.padEnd(34)} ${String(s.ms).padStart(6)} ms`);
      return value;
    } catch (e) {
      const s = {
        name,
        ok: false,
        ms: Math.round(performance.now() - t0),
        detail: e instanceof Error ? e.message : String(e),
      };
      steps.push(s);
      log(`FAIL ${name.padEnd(34)} ${String(s.ms).padStart(6)} ms  ${s.detail}`);
      throw e;
    }
  };
  const connect = async (token: string): Promise<Client> => {
    const conn = new HubConnectionBuilder()
      .withUrl(`${base}/api`, { accessTokenFactory: () => token })
      .configureLogging(LogLevel.None)
      .build();
    const client = new Client(conn);
    await conn.start();
    clients.push(client);
    return client;
  };

  try {
    await step('health', () => api('GET', 'health'));
    const tokens = await step('tokens', async () => {
      if (opts.tokens) return opts.tokens;
      const run = Date.now().toString(36);
      const dev = async (u: string) => (await api('POST', 'dev/token', undefined, { userId: u })).token as string;
      return { a: await dev(`smoke-a-${run}`), b: await dev(`smoke-b-${run}`) };
    });
    // the SignalR token names the user id the app took from the bearer token (whatever claim it is configured to use)
    const [, idB] = await step('negotiate', async () => {
      const ids: string[] = [];
      for (const t of [tokens.a, tokens.b]) {
        const info = await api('POST', 'negotiate', t);
        if (typeof info.url !== 'string' || typeof info.accessToken !== 'string')
          throw new Error('no {url, accessToken}');
        ids.push(String(claimOf(info.accessToken, 'asrs.s.uid') ?? claimOf(info.accessToken, 'nameid')));
      }
      return ids as [string, string];
    });
    const [a, b] = await step('connect two clients', () => Promise.all([connect(tokens.a), connect(tokens.b)]));
    const conversationId = await step('create conversation', async () => {
      const created = await api('POST', `${M}/conversations`, tokens.a, {
        type: 'group',
        title: 'smoke test',
        participants: [idB],
      });
      const id = created.conversationId as string;
      cleanup.push(() => api('DELETE', `${M}/conversations/${id}`, tokens.b).catch(() => undefined));
      cleanup.push(() => api('DELETE', `${M}/conversations/${id}`, tokens.a).catch(() => undefined));
      return id;
    });
    const first = await step('send and receive', async () => {
      const sent = await a.conn.invoke<{ id: string; seq: number }>('SendMessage', {
        conversationId,
        content: 'smoke 1',
        clientMessageId: `smoke-${Date.now()}`,
      });
      await b.next('OnMessageReceived', (m) => m.id === sent.id, timeoutMs);
      return sent;
    });
    await step('typing', async () => {
      await a.conn.invoke('StartTyping', conversationId);
      await b.next('OnTypingIndicator', (t) => t.conversationId === conversationId && t.isTyping === true, timeoutMs);
    });
    await step('read receipt', async () => {
      await b.conn.invoke('MarkAsRead', conversationId, first.seq);
      await a.next('OnMessageRead', (r) => r.conversationId === conversationId && r.userId === idB, timeoutMs);
    });
    await step('reconnect and catch up', async () => {
      await b.conn.stop();
      for (const n of [2, 3])
        await api('POST', `${M}/conversations/${conversationId}/messages`, tokens.a, { content: `smoke ${n}` });
      const again = await connect(tokens.b);
      const page = await api('GET', `${M}/conversations/${conversationId}/messages?after=${first.seq}`, tokens.b);
      const seqs = (page.messages as { seq: number }[]).map((m) => m.seq);
      if (seqs.join(',') !== `${first.seq + 1},${first.seq + 2}`) throw new Error(`caught up seqs ${seqs.join(',')}`);
      const sent = await a.conn.invoke<{ id: string }>('SendMessage', { conversationId, content: 'smoke 4' });
      await again.next('OnMessageReceived', (m) => m.id === sent.id, timeoutMs);
    });
    await step('cleanup (leave)', async () => {
      await api('DELETE', `${M}/conversations/${conversationId}`, tokens.b);
      await api('DELETE', `${M}/conversations/${conversationId}`, tokens.a);
      cleanup.length = 0;
    });
  } catch {
    // the failed step is recorded; the rest are skipped
  } finally {
    for (const c of cleanup) await c();
    await Promise.all(clients.map((c) => c.conn.stop().catch(() => undefined)));
  }
  return steps;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const baseUrl = process.argv[2];
  if (!baseUrl) {
    console.error(
      'usage: npm run smoke -- <base-url>   (e.g. https://func-….azurewebsites.net; env SMOKE_TOKEN_A/B on Azure)',
    );
    process.exit(2);
  }
  const { SMOKE_TOKEN_A: a, SMOKE_TOKEN_B: b } = process.env;
  const steps = await runSmoke(baseUrl, { ...(a && b && { tokens: { a, b } }), log: (l) => console.log(l) });
  const failed = steps.filter((s) => !s.ok).length;
  console.log(failed === 0 ? `smoke: all ${steps.length} steps passed` : `smoke: ${failed} step(s) failed`);
  process.exit(failed === 0 && steps.length >= 10 ? 0 : 1);
}
