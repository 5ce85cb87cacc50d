import {
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  type IRetryPolicy,
  LogLevel,
} from '@microsoft/signalr';
import type { TokenProvider } from './token.js';
import type { Message, SendInput, ServerEvents } from './types.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface RealtimeOptions {
  baseUrl: string;
  /** Asked at every negotiate (start and each reconnect): a renewing provider gives a fresh token to reconnects. */
  token: TokenProvider;
  /** Called on every status change (drive a "reconnecting" banner from it). */
  onStatus?: (status: ConnectionStatus, error?: Error) => void;
  /** After an automatic reconnect: catch up with GET …/messages?after=<seq>, events sent meanwhile are lost. */
  onReconnected?: () => void;
  /** SignalR's own console logging (default Warning). */
  logLevel?: LogLevel;
}

/** Retries at once, then backs off to 10 s, and never gives up (a phone that was asleep for an hour comes back). */
const delayOf = (previousRetryCount: number) => [0, 500, 1000, 2000, 5000][previousRetryCount] ?? 10_000;

/**
 * A negotiate the backend refused for its token. @microsoft/signalr wraps the HttpError (statusCode 401) of a failed
 * negotiate into an error that keeps only its text ("…: Status code '401'"), hence both checks.
 */
function unauthorized(e: unknown): boolean {
  const err = e as { statusCode?: unknown; message?: unknown } | null | undefined;
  return err?.statusCode === 401 || (typeof err?.message === 'string' && err.message.includes("Status code '401'"));
}

/**
 * The realtime half of the native contract: hub `messaging` through `<base>/api/negotiate`, typed events and methods.
 * Presence lasts 5 minutes after the last hub call, so an idle client pings once a minute.
 */
export function createRealtime(opts: RealtimeOptions) {
  /** Set when a negotiate answered 401: the next token is fetched anew, not taken from the provider's cache. */
  let refresh = false;
  const forever: IRetryPolicy = {
    nextRetryDelayInMilliseconds: ({ previousRetryCount, retryReason }) => {
      if (unauthorized(retryReason)) refresh = true;
      return delayOf(previousRetryCount);
    },
  };
  const accessTokenFactory = async (): Promise<string> => {
    const forceRefresh = refresh;
    refresh = false;
    return await opts.token(forceRefresh ? { forceRefresh } : undefined);
  };
  const connection: HubConnection = new HubConnectionBuilder()
    .withUrl(`${opts.baseUrl}/api`, { accessTokenFactory })
    .withAutomaticReconnect(forever)
    .configureLogging(opts.logLevel ?? LogLevel.Warning)
    .build();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const status = (s: ConnectionStatus, e?: Error) => opts.onStatus?.(s, e);
  connection.onreconnecting((e) => status('reconnecting', e));
  connection.onreconnected(() => {
    status('connected');
    opts.onReconnected?.();
  });
  connection.onclose((e) => status('disconnected', e));

  return {
    get connectionId(): string | null {
      return connection.connectionId;
    },
    get connected(): boolean {
      return connection.state === HubConnectionState.Connected;
    },
    on<K extends keyof ServerEvents>(event: K, handler: (payload: ServerEvents[K]) => void): void {
      connection.on(event, handler);
    },
    async start(): Promise<void> {
      status('connecting');
      try {
        await connection.start();
      } catch (e) {
        // why: a token the backend refused (revoked, expired early): once more with a freshly fetched one
        if (!unauthorized(e)) throw e;
        refresh = true;
        await connection.start();
      }
      status('connected');
      clearInterval(heartbeat);
      heartbeat = setInterval(() => {
        if (connection.state === HubConnectionState.Connected) connection.invoke('Ping').catch(() => undefined);
      }, 60_000);
    },
    async stop(): Promise<void> {
      clearInterval(heartbeat);
      await connection.stop();
    },
    sendMessage: (input: SendInput) => connection.invoke<Message>('SendMessage', input),
    markAsRead: (conversationId: string, seq: number) => connection.invoke('MarkAsRead', conversationId, seq),
    markAsDelivered: (conversationId: string, seq: number) => connection.invoke('MarkAsDelivered', conversationId, seq),
    startTyping: (conversationId: string) => connection.invoke('StartTyping', conversationId),
    stopTyping: (conversationId: string) => connection.invoke('StopTyping', conversationId),
    joinConversation: (conversationId: string) =>
      connection.invoke<{ conversationId: string; lastSeq: number; typing: string[] }>(
        'JoinConversation',
        conversationId,
      ),
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
