import type { HubConnection } from '@microsoft/signalr';

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
