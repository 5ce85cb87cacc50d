/**
 * A lean SignalR client for load runs: negotiate (the app's /api/negotiate, then the service's) and the JSON hub
 * protocol over `ws`, nothing else. Thousands fit in one process where @microsoft/signalr would need far more memory
 * and CPU; bench/load/check-lean.ts checks once per run that it sees what the real client sees.
 */
import { type Agent, request } from 'node:http';
import WebSocket from 'ws';

const RS = '\u001e';

export type HubEvent = (target: string, payload: unknown) => void;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** POST with a JSON answer over the given keep-alive agent. */
export function postJson<T>(url: string, headers: Record<string, string>, body: unknown, agent?: Agent): Promise<T> {
  return httpJson<T>('POST', url, headers, body, agent);
}

export function httpJson<T>(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  agent?: Agent,
): Promise<T> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: { ...headers, ...(text !== undefined && { 'content-type': 'application/json' }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            return reject(new Error(`${method} ${url} answered ${res.statusCode}: ${raw.slice(0, 200)}`));
          try {
            resolve((raw === '' ? null : JSON.parse(raw)) as T);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

export class LeanHubClient {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private pingTimer: NodeJS.Timeout | undefined;
  closed = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly onEvent: HubEvent,
    private readonly onClose: () => void,
  ) {}

  /** Negotiates through `${baseUrl}/api/negotiate` as @microsoft/signalr does, then opens the WebSocket. */
  static async connect(
    baseUrl: string,
    token: string,
    onEvent: HubEvent,
    opts: { agent?: Agent; onClose?: () => void } = {},
  ): Promise<LeanHubClient> {
    const auth = { authorization: `Bearer ${token}` };
    const redirect = await postJson<{ url: string; accessToken: string }>(
      `${baseUrl}/api/negotiate?negotiateVersion=1`,
      auth,
      undefined,
      opts.agent,
    );
    const service = new URL(redirect.url);
    const negotiateUrl = new URL(service);
    negotiateUrl.pathname = `${service.pathname.replace(/\/?$/, '/')}negotiate`;
    negotiateUrl.searchParams.set('negotiateVersion', '1');
    const serviceAuth = { authorization: `Bearer ${redirect.accessToken}` };
    const neg = await postJson<{ connectionToken: string }>(
      negotiateUrl.toString(),
      serviceAuth,
      undefined,
      opts.agent,
    );
    const wsUrl = new URL(service);
    wsUrl.protocol = service.protocol === 'https:' ? 'wss:' : 'ws:';
    wsUrl.searchParams.set('id', neg.connectionToken);
    wsUrl.searchParams.set('access_token', redirect.accessToken);
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const client = new LeanHubClient(ws, onEvent, opts.onClose ?? (() => undefined));
    await client.handshake();
    return client;
  }

  private handshake(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let shaken = false;
      let buffer = '';
      this.ws.on('open', () => this.ws.send(`${JSON.stringify({ protocol: 'json', version: 1 })}${RS}`));
      this.ws.on('message', (data) => {
        buffer += Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
        let i = buffer.indexOf(RS);
        while (i !== -1) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (!shaken) {
            shaken = true;
            const hs = JSON.parse(frame) as { error?: string };
            if (hs.error) reject(new Error(`handshake refused: ${hs.error}`));
            else resolve();
          } else this.onFrame(frame);
          i = buffer.indexOf(RS);
        }
      });
      this.ws.on('error', (e) => {
        if (!shaken) reject(e);
      });
      this.ws.on('close', () => {
        if (!shaken) reject(new Error('closed before the handshake'));
        this.onClosed();
      });
    }).then(() => {
      // why: the service closes a connection that sent nothing for 30 s
      this.pingTimer = setInterval(() => this.write({ type: 6 }), 15_000);
      this.pingTimer.unref();
    });
  }

  private onFrame(frame: string): void {
    const msg = JSON.parse(frame) as {
      type: number;
      target?: string;
      arguments?: unknown[];
      invocationId?: string;
      result?: unknown;
      error?: string;
    };
    if (msg.type === 1 && msg.target !== undefined) this.onEvent(msg.target, msg.arguments?.[0]);
    else if (msg.type === 3 && msg.invocationId !== undefined) {
      const p = this.pending.get(msg.invocationId);
      if (!p) return;
      this.pending.delete(msg.invocationId);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    } else if (msg.type === 7) this.ws.close();
  }

  private write(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(`${JSON.stringify(message)}${RS}`);
  }

  invoke(target: string, ...args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    const invocationId = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(invocationId, { resolve, reject });
      this.write({ type: 1, invocationId, target, arguments: args });
    });
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pingTimer);
    for (const p of this.pending.values()) p.reject(new Error('connection closed'));
    this.pending.clear();
    this.onClose();
  }

  /** Drops the socket without a closing handshake (a lost network), as in the reconnect storm. */
  drop(): void {
    this.ws.terminate();
  }

  close(): void {
    this.ws.close();
  }
}
