/** One client WebSocket speaking the JSON hub protocol, bridged to the serverless upstream. */
import type { RawData, WebSocket } from 'ws';
import {
  closeFrame,
  completionFrame,
  FrameReader,
  type HubMessage,
  handshakeError,
  handshakeSuccess,
  MessageType,
  parseHandshake,
  parseMessage,
  peekInvocationId,
  pingFrame,
} from './hub-protocol.js';
import type { HubState, LiveConnection } from './hub-state.js';
import {
  invocationReply,
  type Upstream,
  type UpstreamCategory,
  type UpstreamEvent,
  type UpstreamResult,
} from './upstream.js';

/** Largest hub message accepted from a client (the service's default maximum). */
export const MAX_MESSAGE_BYTES = 102_400;
/** Hard cap for one frame / an unfinished message; beyond it the socket is closed (see `wsMaxPayload`). */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 15_000;
const CLOSE_HANDSHAKE_TIMEOUT_MS = 1_000;

export interface ClientConnectionOptions {
  hub: string;
  connectionId: string;
  userId: string | undefined;
  claims: readonly string[];
  /** Connect query with a leading `?`, for `X-ASRS-Client-Query`. */
  query: string;
  state: HubState;
  upstream: Upstream;
  keepAliveMs: number;
  clientTimeoutMs: number;
  log: (message: string) => void;
}

export class ClientConnection implements LiveConnection {
  readonly connectionId: string;
  readonly userId: string | undefined;
  /** Settles once the socket is closed and the `disconnected` upstream call is done. */
  readonly finished: Promise<void>;

  private readonly reader = new FrameReader();
  private readonly timer: NodeJS.Timeout;
  private readonly openedAt = Date.now();
  private lastReceived = Date.now();
  private lastSent = Date.now();
  private handshakeDone = false;
  private registered = false;
  private closing = false;
  private disconnectError: string | undefined;
  /** why: upstream calls of one connection go out one at a time, in order (connected first, disconnected last). */
  private queue: Promise<void> = Promise.resolve();
  private finish!: () => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly opts: ClientConnectionOptions,
  ) {
    this.connectionId = opts.connectionId;
    this.userId = opts.userId;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    ws.on('message', (data, isBinary) => this.onData(data, isBinary));
    ws.on('close', (code) => this.onClose(code));
    ws.on('error', (err) => opts.log(`connection ${this.connectionId}: socket error: ${err.message}`));
    const tick = Math.max(5, Math.min(opts.keepAliveMs, opts.clientTimeoutMs) / 4);
    this.timer = setInterval(() => this.onTick(), tick);
    this.timer.unref();
  }

  send(frames: string): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    this.lastSent = Date.now();
    this.ws.send(frames);
  }

  close(reason: string | undefined, allowReconnect: boolean): void {
    if (this.closing) return;
    this.send(closeFrame(reason, allowReconnect));
    this.closeSocket(reason);
  }

  /** Drops the socket without the closing handshake (used when the emulator stops and a client is slow). */
  terminate(): void {
    this.ws.terminate();
  }

  private closeSocket(disconnectError: string | undefined, code = 1000): void {
    this.closing = true;
    this.disconnectError ??= disconnectError;
    this.ws.close(code);
    // why: a client that never answers the closing handshake would hold the connection (and its disconnect) for 30 s
    setTimeout(() => this.ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS).unref();
  }

  private onTick(): void {
    const now = Date.now();
    if (!this.handshakeDone) {
      if (now - this.openedAt >= Math.min(HANDSHAKE_TIMEOUT_MS, this.opts.clientTimeoutMs)) {
        this.send(handshakeError('Handshake was not received in time.'));
        this.closeSocket('Handshake timeout');
      }
      return;
    }
    if (now - this.lastReceived >= this.opts.clientTimeoutMs) {
      this.close(`Connection closed: no message from the client within ${this.opts.clientTimeoutMs} ms.`, true);
      return;
    }
    if (now - this.lastSent >= this.opts.keepAliveMs) this.send(pingFrame());
  }

  private onData(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    this.lastReceived = Date.now();
    if (isBinary) {
      const error = 'Binary frames are not supported: this emulator speaks the JSON hub protocol only.';
      if (this.handshakeDone) this.close(error, false);
      else {
        this.send(handshakeError(error));
        this.closeSocket(error);
      }
      return;
    }
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const messages = this.reader.push(chunk);
    for (const bytes of messages) {
      if (this.closing) return;
      if (this.handshakeDone) this.onMessage(bytes);
      else this.onHandshake(bytes);
    }
    if (this.reader.pendingBytes > MAX_BUFFERED_BYTES)
      this.close(`Message is larger than ${MAX_BUFFERED_BYTES} bytes.`, false);
  }

  private onHandshake(bytes: Buffer): void {
    const request = parseHandshake(bytes);
    let error: string | undefined;
    if (!request.ok) error = request.error;
    else if (request.protocol !== 'json')
      error = `The protocol '${request.protocol}' is not supported: this emulator speaks the JSON hub protocol only.`;
    // why: version 2 only adds stateful reconnect, which is never negotiated here, so it behaves as 1 (as ASP.NET Core does)
    else if (request.version !== 1 && request.version !== 2)
      error = `The server does not support version ${request.version} of the 'json' protocol.`;
    if (error !== undefined) {
      this.send(handshakeError(error));
      this.closeSocket(error);
      return;
    }
    this.handshakeDone = true;
    this.send(handshakeSuccess());
    // why: registered before `connected` is delivered, so the connected function can already add it to groups or send to it
    this.opts.state.add(this);
    this.registered = true;
    this.enqueue(async () => {
      const result = await this.callUpstream('connections', 'connected', JSON.stringify({ type: 10 }));
      if (result !== undefined) this.opts.log(`connection ${this.connectionId}: upstream 'connected' ${result}`);
    });
  }

  private onMessage(bytes: Buffer): void {
    if (bytes.length > MAX_MESSAGE_BYTES) return this.onOversize(bytes);
    const parsed = parseMessage(bytes);
    if (!parsed.ok) return this.close(`Invalid message: ${parsed.error}`, false);
    const message = parsed.message;
    switch (message.type) {
      case MessageType.Invocation:
        return this.onInvocation(message);
      case MessageType.StreamInvocation:
        if (message.invocationId !== undefined)
          this.send(completionFrame(message.invocationId, { error: 'Streaming is not supported in serverless mode' }));
        return;
      case MessageType.Close:
        return this.closeSocket(message.error);
      case MessageType.Ping:
        return; // only refreshes lastReceived
      default:
        // StreamItem, Completion, CancelInvocation, Ack, Sequence: nothing to do in serverless mode (as the service)
        return;
    }
  }

  /**
   * Over 100 KB: an invocation that waits for an answer gets an error Completion so the caller learns why;
   * anything else is dropped. Either way the connection stays open (the service would close it; keeping it
   * lets a client recover from one oversize call).
   */
  private onOversize(bytes: Buffer): void {
    const { type, invocationId } = peekInvocationId(bytes);
    const error = `Message too large (${bytes.length} bytes, limit ${MAX_MESSAGE_BYTES})`;
    if (invocationId !== undefined && (type === MessageType.Invocation || type === MessageType.StreamInvocation)) {
      this.send(completionFrame(invocationId, { error }));
    } else {
      this.opts.log(`connection ${this.connectionId}: dropped a message: ${error}`);
    }
  }

  private onInvocation(message: HubMessage): void {
    const { invocationId, target } = message;
    const reply = (error: string): void => {
      if (invocationId !== undefined) this.send(completionFrame(invocationId, { error }));
    };
    if (target === undefined || target === '' || !Array.isArray(message.arguments))
      return reply('Invalid invocation: needs a string "target" and an "arguments" array');
    if (Array.isArray(message.streamIds) && message.streamIds.length > 0)
      return reply('Streaming is not supported in serverless mode');
    this.enqueue(async () => {
      const result = await this.opts.upstream.post(this.upstreamEvent('messages', target, message.raw));
      if (invocationId !== undefined) this.send(invocationReply(invocationId, result));
      else if (result.kind !== 'response' || result.status >= 300)
        this.opts.log(`connection ${this.connectionId}: upstream '${target}' failed (${describe(result)})`);
    });
  }

  private onClose(code: number): void {
    clearInterval(this.timer);
    this.closing = true;
    if (!this.registered) return this.finish();
    this.opts.state.remove(this.connectionId);
    const error =
      this.disconnectError ??
      (code === 1000 || code === 1001 || code === 1005 ? undefined : `WebSocket closed with status code ${code}`);
    this.enqueue(async () => {
      const result = await this.callUpstream(
        'connections',
        'disconnected',
        JSON.stringify({ type: 11, ...(error !== undefined && { error }) }),
      );
      if (result !== undefined) this.opts.log(`connection ${this.connectionId}: upstream 'disconnected' ${result}`);
    });
    void this.queue.then(() => this.finish());
  }

  /** Returns a description when the call did not succeed (non-2xx answers are only logged, as the service does). */
  private async callUpstream(category: UpstreamCategory, event: string, body: string): Promise<string | undefined> {
    const result = await this.opts.upstream.post(this.upstreamEvent(category, event, body));
    if (result.kind === 'response' && result.status < 300) return undefined;
    if (result.kind === 'unconfigured') return undefined;
    return describe(result);
  }

  private upstreamEvent(category: UpstreamCategory, event: string, body: string): UpstreamEvent {
    const { hub, userId, claims, query } = this.opts;
    return { hub, category, event, connectionId: this.connectionId, userId, claims, query, body };
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(task)
      .catch((err: unknown) => this.opts.log(`connection ${this.connectionId}: ${String(err)}`));
  }
}

function describe(result: UpstreamResult): string {
  switch (result.kind) {
    case 'response':
      return `answered ${result.status}`;
    case 'failed':
      return `failed: ${result.error}`;
    case 'unconfigured':
      return 'skipped: no upstream configured';
  }
}
