import { createHmac, timingSafeEqual } from 'node:crypto';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import {
  parseSignalRConnectionString,
  type SignalRConnection,
} from '../../shared/adapters/signalr/connection-string.js';
import { keepAliveRequest } from '../../shared/adapters/signalr/keep-alive-http.js';
import { TokenCache } from '../../shared/adapters/signalr/token-cache.js';
import {
  invokeRegistered,
  type Registration,
  type RpcBindingInfo,
  type RpcInvocationResponse,
  registeredFunctions,
  triggerBinding,
  typedDataToValue,
} from './core-api.js';

const API_VERSION = '2022-06-01';
const DEFAULT_SETTING = 'AzureSignalRConnectionString';

/** Connection strings already parsed (read on every upstream call and flush). */
const parsed = new Map<string, SignalRConnection & { accessKey: string }>();

function connectionFor(binding: RpcBindingInfo): SignalRConnection & { accessKey: string } {
  const setting =
    typeof binding.connectionStringSetting === 'string' ? binding.connectionStringSetting : DEFAULT_SETTING;
  const value = process.env[setting];
  if (!value) throw new Error(`SignalR binding: app setting ${setting} is not set`);
  const known = parsed.get(value);
  if (known !== undefined) return known;
  const conn = parseSignalRConnectionString(value);
  if (conn.accessKey === undefined)
    throw new Error(`SignalR binding: ${setting} has no AccessKey (the local host needs key auth)`);
  const withKey = { ...conn, accessKey: conn.accessKey };
  parsed.set(value, withKey);
  return withKey;
}

const seg = encodeURIComponent;

interface RestCall {
  method: string;
  path: string;
  body?: unknown;
}

/** One output-binding item → the data-plane REST call the SignalR extension makes for it. */
function restCallFor(hub: string, item: Record<string, unknown>): RestCall {
  const h = `/api/hubs/${seg(hub)}`;
  const str = (k: string): string | undefined => {
    const v = item[k];
    return typeof v === 'string' ? v : undefined;
  };
  const [connectionId, userId, groupName, action] = [
    str('connectionId'),
    str('userId'),
    str('groupName'),
    str('action'),
  ];
  if (action !== undefined) {
    if (groupName === undefined && action !== 'removeAll') throw new Error('SignalR group action needs groupName');
    if (connectionId !== undefined) {
      return {
        method: action === 'add' ? 'PUT' : 'DELETE',
        path: `${h}/groups/${seg(groupName ?? '')}/connections/${seg(connectionId)}`,
      };
    }
    if (userId === undefined) throw new Error('SignalR group action needs userId or connectionId');
    if (action === 'removeAll') return { method: 'DELETE', path: `${h}/users/${seg(userId)}/groups` };
    return {
      method: action === 'add' ? 'PUT' : 'DELETE',
      path: `${h}/users/${seg(userId)}/groups/${seg(groupName ?? '')}`,
    };
  }
  if (typeof item.target !== 'string' || !Array.isArray(item.arguments))
    throw new Error('SignalR message needs target and arguments');
  const body = { target: item.target, arguments: item.arguments };
  const path =
    connectionId !== undefined
      ? `${h}/connections/${seg(connectionId)}/:send`
      : userId !== undefined
        ? `${h}/users/${seg(userId)}/:send`
        : groupName !== undefined
          ? `${h}/groups/${seg(groupName)}/:send`
          : `${h}/:send`;
  return { method: 'POST', path, body };
}

const USER_SEND = /\/users\/[^/]+\/:send$/;

/** why: one signer per key; a REST token is reused for its path while it has a minute left (token-cache.ts) */
const signers = new Map<string, TokenCache>();
function tokenFor(conn: SignalRConnection & { accessKey: string }, path: string): Promise<string> {
  let cache = signers.get(conn.accessKey);
  if (cache === undefined) {
    cache = new TokenCache(300, (audience, ttlSeconds) =>
      signSignalRToken({ accessKey: conn.accessKey, audience, ttlSeconds }),
    );
    signers.set(conn.accessKey, cache);
  }
  return cache.get(`${conn.audienceBase.replace(/\/$/, '')}${path}?api-version=${API_VERSION}`);
}

async function restCall(conn: SignalRConnection & { accessKey: string }, call: RestCall): Promise<void> {
  const res = await keepAliveRequest(`${conn.endpoint}${call.path}?api-version=${API_VERSION}`, {
    method: call.method,
    headers: {
      authorization: `Bearer ${await tokenFor(conn, call.path)}`,
      ...(call.body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
    },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    timeoutMs: 30_000,
  });
  // why: like the service SDK, "not there" answers to group removals are not failures
  if ((res.status < 200 || res.status >= 300) && !(res.status === 404 && call.method === 'DELETE')) {
    throw new Error(`SignalR REST ${call.method} ${call.path} answered ${res.status}`);
  }
}

/** Does what the SignalR output binding does on Azure: each item, in order, as a REST call to the service. */
export async function flushSignalROutput(binding: RpcBindingInfo, value: unknown): Promise<void> {
  const items = (Array.isArray(value) ? value : [value]).filter(
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null,
  );
  if (items.length === 0) return;
  const conn = connectionFor(binding);
  const hub = typeof binding.hubName === 'string' ? binding.hubName.toLowerCase() : '';
  // why: items take effect in order (a group add before a send to that group). Consecutive sends to different users
  // reach different sockets, so they go out together; two sends to one user keep their order, and everything else
  // (group actions; sends to a connection, a group or everyone, whose sockets may be a batched user's) waits its turn
  let batch: RestCall[] = [];
  const flush = async () => {
    const calls = batch;
    batch = [];
    await Promise.all(calls.map((c) => restCall(conn, c)));
  };
  for (const item of items) {
    const call = restCallFor(hub, item);
    const alone = !USER_SEND.test(call.path);
    if (alone || batch.some((b) => b.path === call.path)) await flush();
    if (alone) await restCall(conn, call);
    else batch.push(call);
  }
  await flush();
}

/** Flushes every output binding of an invocation response that this host knows how to fulfil. */
export async function flushOutputs(reg: Registration, response: RpcInvocationResponse): Promise<void> {
  // why: each output is one hub (one dialect); their items stay in order, the hubs are independent of each other
  await Promise.all(
    (response.outputData ?? []).map(async (out) => {
      const binding = out.name ? reg.metadata.bindings[out.name] : undefined;
      if (!binding || !out.data) return;
      if (binding.type?.toLowerCase() === 'signalr') await flushSignalROutput(binding, typedDataToValue(out.data));
    }),
  );
}

export interface UpstreamRequest {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface UpstreamAnswer {
  status: number;
  body?: string;
  contentType?: string;
}

function signatureValid(connectionId: string, signatures: string | undefined, keys: string[]): boolean {
  if (!signatures) return false;
  const offered = signatures.split(',').map((s) => s.trim().toLowerCase());
  return keys.some((key) => {
    const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(connectionId).digest('hex')}`);
    return offered.some((o) => o.length === expected.length && timingSafeEqual(Buffer.from(o), expected));
  });
}

function parseClaims(header: string | undefined): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const part of (header ?? '').split(',')) {
    const i = part.indexOf(': ');
    if (i > 0) {
      const type = part.slice(0, i).trim();
      claims[type] ??= part.slice(i + 2).trim();
    }
  }
  return claims;
}

const completion = (invocationId: string, outcome: { result: unknown } | { error: string }): string =>
  `${JSON.stringify({ type: 3, invocationId, ...outcome })}\u001e`;

/** SignalR-triggered functions by `hub/category/event` (lower case); rebuilt when the registrations change. */
let triggers: { from: readonly Registration[]; byKey: Map<string, Registration> } | undefined;
function signalRFunction(hub: string, category: string, event: string): Registration | undefined {
  const all = registeredFunctions();
  if (triggers?.from !== all) {
    const byKey = new Map<string, Registration>();
    for (const reg of all) {
      const [, t] = triggerBinding(reg);
      if (t.type?.toLowerCase() !== 'signalrtrigger') continue;
      const key = `${String(t.hubName)}/${String(t.category)}/${String(t.event)}`.toLowerCase();
      if (!byKey.has(key)) byKey.set(key, reg);
    }
    triggers = { from: all, byKey };
  }
  return triggers.byKey.get(`${hub}/${category}/${event}`.toLowerCase());
}

/**
 * The `/runtime/webhooks/signalr` endpoint: the service's upstream call → the matching SignalR-triggered function.
 * Status codes follow the extension: 400 bad request, 401 bad signature, 404 no such function.
 */
export async function handleUpstream(req: UpstreamRequest): Promise<UpstreamAnswer> {
  // why: Node reads header bytes as latin1; the service sends UTF-8 (user ids like "zoë")
  const h = (name: string): string | undefined => {
    const v = req.headers[name.toLowerCase()];
    return v === undefined ? undefined : Buffer.from(v, 'latin1').toString('utf8');
  };
  const [hub, category, event, connectionId] = [
    h('x-asrs-hub'),
    h('x-asrs-category'),
    h('x-asrs-event'),
    h('x-asrs-connection-id'),
  ];
  if (!hub || !category || !event || !connectionId)
    return { status: 400, body: 'missing X-ASRS-Hub, -Category, -Event or -Connection-Id' };
  const type = h('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json'))
    return { status: 415, body: 'only the JSON protocol is supported' };

  const match = signalRFunction(hub, category, event);
  if (!match) return { status: 404, body: `no function for hub ${hub}, ${category}/${event}` };
  const [triggerName, trigger] = triggerBinding(match);
  const conn = connectionFor(trigger);
  if (!signatureValid(connectionId, h('x-asrs-signature'), [conn.accessKey]))
    return { status: 401, body: 'bad signature' };

  let payload: {
    type?: number;
    invocationId?: string;
    target?: string;
    arguments?: unknown[];
    error?: string;
    Error?: string;
  };
  try {
    payload = JSON.parse(req.body.toString('utf8')) as typeof payload;
  } catch {
    return { status: 400, body: 'body is not JSON' };
  }
  const query = new URLSearchParams(h('x-asrs-client-query') ?? '');
  const invocation = {
    Arguments: Array.isArray(payload.arguments) ? payload.arguments : [],
    Error: payload.error ?? payload.Error ?? null,
    Category: category,
    Event: event,
    Hub: hub,
    ConnectionId: connectionId,
    UserId: h('x-asrs-user-id') ?? '',
    Headers: Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => e[1] !== undefined)),
    Query: Object.fromEntries(query.entries()),
    Claims: parseClaims(h('x-asrs-user-claims')),
  };
  const invocationId = typeof payload.invocationId === 'string' ? payload.invocationId : undefined;
  try {
    const response = await invokeRegistered(match, [{ name: triggerName, data: { json: JSON.stringify(invocation) } }]);
    await flushOutputs(match, response);
    if (invocationId === undefined) return { status: 200 };
    return {
      status: 200,
      body: completion(invocationId, { result: typedDataToValue(response.returnValue) ?? null }),
      contentType: 'application/json',
    };
  } catch (e) {
    if (invocationId === undefined) return { status: category === 'connections' && event === 'connected' ? 403 : 500 };
    return {
      status: 200,
      body: completion(invocationId, { error: hostFailureText(e) }),
      contentType: 'application/json',
    };
  }
}

/**
 * What the SignalR extension puts into the Completion's `error` when the function fails: the text of the exception
 * the Functions host raises for a failed out-of-process invocation, `Result: Failure\nException: <message>\nStack:
 * <stack>` (the Node worker reports `error.message` and `error.stack`). Modelled so that what a client sees locally
 * is what it sees on Azure: a stack here is a stack there.
 */
function hostFailureText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  return `Result: Failure\nException: ${message}\nStack: ${stack}`;
}
