import type { IncomingMessage, ServerResponse } from 'node:http';
import { frame, MessageType } from './hub-protocol.js';
import type { ClientConnection, HubState } from './hub-state.js';

const HUB_NAME = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;
const NOT_FOUND_CODES = { connection: 'Warning.Connection.NotExisted', user: 'Warning.User.NotExisted', group: 'Warning.Group.NotExisted', userInGroup: 'Info.User.NotInGroup' } as const;

export interface RestContext {
  state: HubState;
  close(c: ClientConnection, reason: string | undefined): void;
}

function answer(res: ServerResponse, status: number, error?: { code?: string; message: string }): void {
  const headers: Record<string, string> = {};
  if (error?.code) headers['x-ms-error-code'] = error.code;
  if (error) headers['content-type'] = 'application/json';
  res.writeHead(status, headers).end(error ? JSON.stringify({ code: error.code ?? 'Error', message: error.message }) : undefined);
}

/** Reads {target, arguments} with case-insensitive keys (the service SDK writes Target/Arguments). */
function payloadOf(body: string): { target: string; args: unknown[] } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'body is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'body must be an object';
  const entries = Object.entries(parsed as Record<string, unknown>).map(([k, v]): [string, unknown] => [k.toLowerCase(), v]);
  const target = entries.find(([k]) => k === 'target')?.[1];
  const args = entries.find(([k]) => k === 'arguments')?.[1] ?? [];
  if (typeof target !== 'string' || target.length === 0) return 'target is required';
  if (!Array.isArray(args)) return 'arguments must be an array';
  return { target, args };
}

/** The data-plane REST API (2022-06-01 under /api/hubs and the older /api/v1/hubs). Caller is authenticated. */
export function handleRest(ctx: RestContext, req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
  const method = (req.method ?? 'GET').toUpperCase();
  const m = /^\/api\/(?:v1\/)?hubs\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
  if (!m) return answer(res, 404, { message: `no such endpoint ${url.pathname}` });
  const hub = decodeURIComponent(m[1] ?? '').toLowerCase();
  if (!HUB_NAME.test(hub)) return answer(res, 400, { message: `invalid hub name ${hub}` });
  const seg = (m[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  const { state } = ctx;
  const excluded = new Set(url.searchParams.getAll('excluded'));
  const sendTo = (targets: ClientConnection[]) => {
    if (method !== 'POST') return answer(res, 405, { message: 'use POST to send' });
    const p = payloadOf(body);
    if (typeof p === 'string') return answer(res, 400, { message: p });
    state.send(targets, p.target, p.args, excluded);
    answer(res, 202);
  };
  const closeAll = (targets: ClientConnection[]) => {
    for (const c of targets) if (!excluded.has(c.id)) ctx.close(c, url.searchParams.get('reason') ?? undefined);
    answer(res, 204);
  };
  const exists = (found: boolean, code: string) => (found ? answer(res, 200) : answer(res, 404, { code, message: 'not found' }));
  const [a, b, c, d] = seg;
  const group = (g: string | undefined) => (g !== undefined && g.length >= 1 && g.length <= 1024 ? g : undefined);

  // send
  if (seg.length === 0 || (seg.length === 1 && a === ':send')) return sendTo(state.inHub(hub));
  if (seg.length === 1 && a === ':closeConnections') return closeAll(state.inHub(hub));
  if (a === 'users' && b !== undefined) {
    if (seg.length === 2 && method === 'POST') return sendTo(state.ofUser(hub, b));
    if (seg.length === 3 && c === ':send') return sendTo(state.ofUser(hub, b));
    if (seg.length === 3 && c === ':closeConnections') return closeAll(state.ofUser(hub, b));
    if (seg.length === 2) return exists(state.ofUser(hub, b).length > 0, NOT_FOUND_CODES.user);
    if (seg.length === 3 && c === 'groups' && method === 'DELETE') {
      state.removeUserFromGroup(hub, b);
      return answer(res, 204);
    }
    if (seg.length === 4 && c === 'groups') return userGroup(b, d);
  }
  if (a === 'connections' && b !== undefined) {
    const conn = state.connections.get(b);
    const mine = conn && conn.hub === hub ? conn : undefined;
    if ((seg.length === 2 && method === 'POST') || (seg.length === 3 && c === ':send')) return sendTo(mine ? [mine] : []);
    if (seg.length === 2 && method === 'DELETE') {
      if (mine) ctx.close(mine, url.searchParams.get('reason') ?? undefined);
      return answer(res, 200);
    }
    if (seg.length === 2) return exists(mine !== undefined, NOT_FOUND_CODES.connection);
    if (seg.length === 3 && c === 'groups' && method === 'DELETE') {
      mine?.groups.clear();
      return answer(res, 200);
    }
    if (seg.length === 4 && c === 'groups') return connectionGroup(mine, d);
  }
  if (a === 'groups' && group(b) !== undefined) {
    const g = b as string;
    if ((seg.length === 2 && method === 'POST') || (seg.length === 3 && c === ':send')) return sendTo(state.groupMembers(hub, g));
    if (seg.length === 3 && c === ':closeConnections') return closeAll(state.groupMembers(hub, g));
    if (seg.length === 2) return exists(state.groupExists(hub, g), NOT_FOUND_CODES.group);
    if (seg.length === 4 && c === 'connections') {
      const conn = state.connections.get(d ?? '');
      return connectionGroup(conn && conn.hub === hub ? conn : undefined, g);
    }
    if (seg.length === 4 && c === 'users' && d !== undefined) return userGroup(d, g);
  }
  return answer(res, 404, { message: `no such endpoint ${method} ${url.pathname}` });

  function userGroup(user: string, g: string | undefined): void {
    if (group(g) === undefined) return answer(res, 400, { message: 'group name must be 1-1024 characters' });
    const name = g as string;
    if (method === 'PUT') {
      const ttl = url.searchParams.get('ttl');
      state.addUserToGroup(hub, user, name, ttl === null ? undefined : Number(ttl));
      return answer(res, 200);
    }
    if (method === 'DELETE') {
      state.removeUserFromGroup(hub, user, name);
      return answer(res, 204);
    }
    return exists(state.userInGroup(hub, user, name), NOT_FOUND_CODES.userInGroup);
  }

  function connectionGroup(conn: ClientConnection | undefined, g: string | undefined): void {
    if (group(g) === undefined) return answer(res, 400, { message: 'group name must be 1-1024 characters' });
    if (!conn) return answer(res, 404, { code: 'Error.Connection.NotExisted', message: 'connection not found' });
    if (method === 'PUT') conn.groups.add(g as string);
    else if (method === 'DELETE') conn.groups.delete(g as string);
    else return answer(res, 405, { message: 'use PUT or DELETE' });
    answer(res, 200);
  }
}

export const closeFrame = (reason: string | undefined): string => frame({ type: MessageType.Close, ...(reason && { error: reason }), allowReconnect: true });
