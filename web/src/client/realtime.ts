import {
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  type IRetryPolicy,
  LogLevel,
} from '@microsoft/signalr';
import type { Message, SendInput, ServerEvents } from './types.js';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface RealtimeOptions {
  baseUrl: string;
  token: () => string;
  /** Called on every status change (drive a "reconnecting" banner from it). */
  onStatus?: (status: ConnectionStatus, error?: Error) => void;
  /** After an automatic reconnect: catch up with GET …/messages?after=<seq>, events sent meanwhile are lost. */
  onReconnected?: () => void;
  /** SignalR's own console logging (default Warning). */
  logLevel?: LogLevel;
}

/** Retries at once, then backs off to 10 s, and never gives up (a phone that was asleep for an hour comes back). */
const forever: IRetryPolicy = {
  nextRetryDelayInMilliseconds: ({ previousRetryCount }) => [0, 500, 1000, 2000, 5000][previousRetryCount] ?? 10_000,
};

/**
 * The realtime half of the native contract: hub `messaging` through `<base>/api/negotiate`, typed events and methods.
 * Presence lasts 5 minutes after the last hub call, so an idle client pings once a minute.
 */
export function createRealtime(opts: RealtimeOptions) {
  const connection: HubConnection = new HubConnectionBuilder()
    .withUrl(`${opts.baseUrl}/api`, { accessTokenFactory: opts.token })
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
      await connection.start();
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
