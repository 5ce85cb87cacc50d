import { createHmac } from 'node:crypto';
import { frame, MessageType } from './hub-protocol.js';
import type { ClientConnection } from './hub-state.js';

export const signature = (accessKey: string, connectionId: string): string =>
  `sha256=${createHmac('sha256', accessKey).update(connectionId).digest('hex')}`;

function headers(accessKey: string, c: ClientConnection, category: string, event: string): Record<string, string> {
  const claims = Object.entries(c.claims)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
  return {
    'content-type': 'application/json',
    'x-asrs-connection-id': c.id,
    'x-asrs-hub': c.hub,
    'x-asrs-category': category,
    'x-asrs-event': event,
    'x-asrs-signature': signature(accessKey, c.id),
    ...(c.userId !== undefined && { 'x-asrs-user-id': c.userId }),
    'x-asrs-user-claims': claims,
    'x-asrs-client-query': c.query,
  };
}

/** connected / disconnected events; failures are only logged, as the service does. */
export async function lifecycleEvent(url: string | undefined, accessKey: string, c: ClientConnection, event: 'connected' | 'disconnected', error?: string): Promise<void> {
  if (!url) return;
  try {
    const body = event === 'connected' ? { type: 10 } : { type: 11, ...(error && { error }) };
    const res = await fetch(url, { method: 'POST', headers: headers(accessKey, c, 'connections', event), body: JSON.stringify(body) });
    await res.arrayBuffer();
    if (!res.ok) console.error(`[signalr] upstream ${event} answered ${res.status}`);
  } catch (e) {
    console.error(`[signalr] upstream ${event} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const completionError = (invocationId: string, error: string): string => frame({ type: MessageType.Completion, invocationId, error });

/**
 * Forwards a client invocation upstream. Returns what to write back to the client for an invocation with an id:
 * the function's Completion verbatim, an empty Completion, or a Completion error.
 */
export async function invoke(url: string | undefined, accessKey: string, c: ClientConnection, raw: string, invocationId: string | undefined, target: string): Promise<string | undefined> {
  if (!url) return invocationId === undefined ? undefined : completionError(invocationId, 'No upstream configured');
  try {
    const res = await fetch(url, { method: 'POST', headers: headers(accessKey, c, 'messages', target), body: raw });
    const text = await res.text();
    if (invocationId === undefined) return undefined;
    if (res.ok) return text.length > 0 ? text : frame({ type: MessageType.Completion, invocationId });
    const detail = text.trim().length > 0 && text.length < 500 ? `: ${text.trim()}` : '';
    return completionError(invocationId, `Invocation failed, status code ${res.status}${detail}`);
  } catch (e) {
    return invocationId === undefined ? undefined : completionError(invocationId, `Invocation failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
