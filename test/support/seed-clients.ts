import { type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';

/** Waits until `check` returns a value (not undefined/false), polling; fails with `what` after the timeout. */
export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every invocation a connection receives, with all its positional arguments (to prove the seeds' arities). */
export function recordAll(connection: HubConnection, targets: string[]): { target: string; args: unknown[] }[] {
  const log: { target: string; args: unknown[] }[] = [];
  for (const target of targets) connection.on(target, (...args: unknown[]) => void log.push({ target, args }));
  return log;
}

/**
 * A seed client's connection as the seeds build it (`withUrl` + token factory, automatic reconnect), not started,
 * with every invocation of `targets` recorded.
 */
export function seedConnection(
  url: string,
  accessTokenFactory: () => string,
  targets: string[],
  retryDelays?: number[],
): { connection: HubConnection; log: { target: string; args: unknown[] }[] } {
  const builder = new HubConnectionBuilder().withUrl(url, { accessTokenFactory });
  const connection = (retryDelays ? builder.withAutomaticReconnect(retryDelays) : builder.withAutomaticReconnect())
    .configureLogging(LogLevel.None)
    .build();
  return { connection, log: recordAll(connection, targets) };
}
