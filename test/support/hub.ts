import { type HubConnection, HubConnectionBuilder, HubConnectionState, LogLevel } from '@microsoft/signalr';

/** A real @microsoft/signalr client that negotiates through /api/negotiate, recording every event it receives. */
export interface TestClient {
  conn: HubConnection;
  events: { target: string; payload: any }[];
  /** Resolves with the first matching event (already received or future). */
  next(target: string, match?: (payload: any) => boolean, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

const TARGETS = [
  'OnMessageReceived',
  'OnMessageUpdated',
  'OnMessageTranslated',
  'OnMessageDeleted',
  'OnReaction',
  'OnMessageRead',
  'OnMessageDelivered',
  'OnTypingIndicator',
  'UserOnline',
  'UserOffline',
  'ConversationUpdated',
  'OnParticipantsChanged',
  'IncomingCall',
  'CallAccepted',
  'CallDeclined',
  'CallEnded',
];

export async function connectClient(
  baseUrl: string,
  token: string,
  opts: { reconnect?: boolean } = {},
): Promise<TestClient> {
  let builder = new HubConnectionBuilder()
    .withUrl(`${baseUrl}/api`, { accessTokenFactory: () => token })
    .configureLogging(LogLevel.None);
  if (opts.reconnect) builder = builder.withAutomaticReconnect([0, 100, 200, 500, 1000]);
  const conn = builder.build();
  const events: { target: string; payload: any }[] = [];
  const waiters: { target: string; match: (p: any) => boolean; resolve: (p: any) => void }[] = [];
  for (const target of TARGETS) {
    conn.on(target, (payload: unknown, ...rest: unknown[]) => {
      if (rest.length > 0)
        throw new Error(`${target} carried ${rest.length + 1} arguments; the contract is exactly one`);
      events.push({ target, payload });
      for (const w of [...waiters]) {
        if (w.target === target && w.match(payload)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(payload);
        }
      }
    });
  }
  await conn.start();
  return {
    conn,
    events,
    next(target, match = () => true, timeoutMs = 5000) {
      const seen = events.find((e) => e.target === target && match(e.payload));
      if (seen) return Promise.resolve(seen.payload);
      return new Promise((resolve, reject) => {
        const w = { target, match, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`no ${target} within ${timeoutMs} ms; got: ${events.map((e) => e.target).join(', ')}`));
          }
        }, timeoutMs);
      });
    },
    async stop() {
      if (conn.state !== HubConnectionState.Disconnected) await conn.stop();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
