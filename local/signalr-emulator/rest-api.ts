/**
 * Data-plane REST API (api-version 2022-06-01 under `/api/hubs/…` and the older `/api/v1/hubs/…`), as the
 * Functions output binding / Management SDK call it. Both route spellings are served under both prefixes
 * (`…/:send` or not, `users/{u}/groups/{g}` or `groups/{g}/users/{u}`), like Microsoft's emulator.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRestAudience } from './audience.js';
import { BodyTooLargeError, readBody, sendEmpty, sendJson } from './http-util.js';
import { invocationFrame } from './hub-protocol.js';
import { type HubRegistry, type HubState, isValidGroup, isValidHub, type LiveConnection } from './hub-state.js';
import { tokenFromRequest, verifyAccessToken } from './tokens.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** `x-ms-error-code` values the service SDK expects on "not there" answers (it then does not throw). */
const ErrorCode = {
  ConnectionNotExisted: 'Warning.Connection.NotExisted',
  UserNotExisted: 'Warning.User.NotExisted',
  GroupNotExisted: 'Warning.Group.NotExisted',
  UserNotInGroup: 'Info.User.NotInGroup',
  AddConnectionNotExisted: 'Error.Connection.NotExisted',
} as const;

export interface RestApiDeps {
  hubs: HubRegistry;
  accessKey: string;
  /** Host names an audience may name (the emulator's own and the request's `Host`). */
  hosts: (req: IncomingMessage) => string[];
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  hub: HubState;
  params: Record<string, string>;
  query: URLSearchParams;
  v1: boolean;
}

type Handler = (ctx: Ctx) => void | Promise<void>;

interface Route {
  segments: string[];
  methods: Record<string, Handler>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(ctx: Ctx, status: number, code: string, message: string): void {
  if (ctx.req.method === 'HEAD') sendEmpty(ctx.res, status, { 'x-ms-error-code': code });
  else sendJson(ctx.res, status, { code, message }, { 'x-ms-error-code': code });
}

function groupParam(ctx: Ctx): string {
  const group = ctx.params.group ?? '';
  if (!isValidGroup(group)) throw new HttpError(400, 'Group name must be 1 to 1024 characters long');
  return group;
}

async function readPayload(req: IncomingMessage): Promise<{ target: string; args: unknown[] }> {
  const type = req.headers['content-type'] ?? '';
  if (/octet-stream|msgpack/i.test(type)) throw new HttpError(415, 'Only JSON payloads are supported by this emulator');
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, err.message);
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'Body must be JSON: {"target": string, "arguments": [...]}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(400, 'Body must be a JSON object');
  // why: the Management SDK writes "Target"/"Arguments" (PascalCase); the service matches keys case-insensitively
  const field = (name: string): unknown => Object.entries(value).find(([k]) => k.toLowerCase() === name)?.[1];
  const target = field('target');
  const args = field('arguments') ?? [];
  if (typeof target !== 'string' || target === '') throw new HttpError(400, 'Body needs a non-empty string "target"');
  if (!Array.isArray(args)) throw new HttpError(400, '"arguments" must be an array');
  return { target, args: args as unknown[] };
}

/** Each connection at most once, even when it is reached by user and by connection membership. */
function push(conns: Iterable<LiveConnection>, frame: string, excluded: readonly string[] = []): void {
  const skip = new Set(excluded);
  const seen = new Set<string>();
  for (const conn of conns) {
    if (skip.has(conn.connectionId) || seen.has(conn.connectionId)) continue;
    seen.add(conn.connectionId);
    conn.send(frame);
  }
}

const sendTo =
  (pick: (ctx: Ctx) => LiveConnection[], withExcluded: boolean): Handler =>
  async (ctx) => {
    const { target, args } = await readPayload(ctx.req);
    push(pick(ctx), invocationFrame(target, args), withExcluded ? ctx.query.getAll('excluded') : []);
    sendEmpty(ctx.res, 202);
  };

const closeAll =
  (pick: (ctx: Ctx) => LiveConnection[]): Handler =>
  (ctx) => {
    const excluded = new Set(ctx.query.getAll('excluded'));
    const reason = ctx.query.get('reason') ?? undefined;
    for (const conn of pick(ctx)) if (!excluded.has(conn.connectionId)) conn.close(reason, true);
    sendEmpty(ctx.res, 204);
  };

const connectionOf = (ctx: Ctx): LiveConnection[] => {
  const conn = ctx.hub.get(ctx.params.connection ?? '');
  return conn === undefined ? [] : [conn];
};

const connectionExists: Handler = (ctx) => {
  if (ctx.hub.get(ctx.params.connection ?? '') !== undefined) sendEmpty(ctx.res, 200);
  else fail(ctx, 404, ErrorCode.ConnectionNotExisted, 'Connection does not exist');
};

const closeConnection: Handler = (ctx) => {
  ctx.hub.get(ctx.params.connection ?? '')?.close(ctx.query.get('reason') ?? undefined, true);
  // why: closing is idempotent; a connection that is already gone is not an error for the caller
  sendEmpty(ctx.res, ctx.v1 ? 202 : 200);
};

const addConnectionToGroup: Handler = (ctx) => {
  const group = groupParam(ctx);
  if (ctx.hub.addConnectionToGroup(ctx.params.connection ?? '', group)) sendEmpty(ctx.res, 200);
  else fail(ctx, 404, ErrorCode.AddConnectionNotExisted, 'Connection does not exist');
};

const removeConnectionFromGroup: Handler = (ctx) => {
  const group = groupParam(ctx);
  const id = ctx.params.connection ?? '';
  if (ctx.hub.get(id) === undefined) return fail(ctx, 404, ErrorCode.ConnectionNotExisted, 'Connection does not exist');
  ctx.hub.removeConnectionFromGroup(id, group);
  sendEmpty(ctx.res, 200);
};

const userInGroup: Handler = (ctx) => {
  if (ctx.hub.isUserInGroup(ctx.params.user ?? '', groupParam(ctx))) sendEmpty(ctx.res, 200);
  else fail(ctx, 404, ErrorCode.UserNotInGroup, 'User is not in the group');
};

const addUserToGroup: Handler = (ctx) => {
  const group = groupParam(ctx);
  const ttl = ctx.query.get('ttl');
  if (ttl !== null && !/^\d{1,10}$/.test(ttl)) throw new HttpError(400, '"ttl" must be a whole number of seconds');
  ctx.hub.addUserToGroup(ctx.params.user ?? '', group, ttl === null ? undefined : Number(ttl));
  sendEmpty(ctx.res, ctx.v1 ? 202 : 200);
};

const removeUserFromGroup: Handler = (ctx) => {
  ctx.hub.removeUserFromGroup(ctx.params.user ?? '', groupParam(ctx));
  sendEmpty(ctx.res, ctx.v1 ? 202 : 204);
};

const exists =
  (test: (ctx: Ctx) => boolean, code: string, message: string): Handler =>
  (ctx) => {
    if (test(ctx)) sendEmpty(ctx.res, 200);
    else fail(ctx, 404, code, message);
  };

const groupExists = exists(
  (ctx) => ctx.hub.groupMembers(groupParam(ctx)).length > 0,
  ErrorCode.GroupNotExisted,
  'Group does not exist',
);
const userExists = exists(
  (ctx) => ctx.hub.hasUser(ctx.params.user ?? ''),
  ErrorCode.UserNotExisted,
  'User does not exist',
);

const userMembership = { HEAD: userInGroup, GET: userInGroup, PUT: addUserToGroup, DELETE: removeUserFromGroup };
const connectionMembership = { PUT: addConnectionToGroup, DELETE: removeConnectionFromGroup };

const ROUTES: Route[] = [
  { segments: [], methods: { POST: sendTo((c) => c.hub.all(), true) } },
  { segments: [':send'], methods: { POST: sendTo((c) => c.hub.all(), true) } },
  { segments: [':closeConnections'], methods: { POST: closeAll((c) => c.hub.all()) } },
  {
    segments: ['users', '{user}'],
    methods: {
      POST: sendTo((c) => c.hub.connectionsOfUser(c.params.user ?? ''), false),
      HEAD: userExists,
      GET: userExists,
    },
  },
  {
    segments: ['users', '{user}', ':send'],
    methods: { POST: sendTo((c) => c.hub.connectionsOfUser(c.params.user ?? ''), false) },
  },
  {
    segments: ['users', '{user}', ':closeConnections'],
    methods: { POST: closeAll((c) => c.hub.connectionsOfUser(c.params.user ?? '')) },
  },
  {
    segments: ['users', '{user}', 'groups'],
    methods: {
      DELETE: (ctx) => {
        ctx.hub.removeUserFromAllGroups(ctx.params.user ?? '');
        sendEmpty(ctx.res, ctx.v1 ? 200 : 204);
      },
    },
  },
  { segments: ['users', '{user}', 'groups', '{group}'], methods: userMembership },
  { segments: ['groups', '{group}', 'users', '{user}'], methods: userMembership },
  {
    segments: ['connections', '{connection}'],
    methods: {
      POST: sendTo(connectionOf, false),
      HEAD: connectionExists,
      GET: connectionExists,
      DELETE: closeConnection,
    },
  },
  { segments: ['connections', '{connection}', ':send'], methods: { POST: sendTo(connectionOf, false) } },
  {
    segments: ['connections', '{connection}', 'groups'],
    methods: {
      DELETE: (ctx) => {
        ctx.hub.removeConnectionFromAllGroups(ctx.params.connection ?? '');
        sendEmpty(ctx.res, 200);
      },
    },
  },
  { segments: ['connections', '{connection}', 'groups', '{group}'], methods: connectionMembership },
  { segments: ['groups', '{group}', 'connections', '{connection}'], methods: connectionMembership },
  {
    segments: ['groups', '{group}'],
    methods: { POST: sendTo((c) => c.hub.groupMembers(groupParam(c)), true), HEAD: groupExists, GET: groupExists },
  },
  {
    segments: ['groups', '{group}', ':send'],
    methods: { POST: sendTo((c) => c.hub.groupMembers(groupParam(c)), true) },
  },
  {
    segments: ['groups', '{group}', ':closeConnections'],
    methods: { POST: closeAll((c) => c.hub.groupMembers(groupParam(c))) },
  },
];

function matchRoute(segments: readonly string[]): { route: Route; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = route.segments.every((pattern, i) => {
      const actual = segments[i] ?? '';
      const name = /^\{(\w+)\}$/.exec(pattern)?.[1];
      if (name === undefined) return pattern.toLowerCase() === actual.toLowerCase();
      params[name] = actual;
      return actual !== '';
    });
    if (matched) return { route, params };
  }
  return undefined;
}

const HEALTH = /^\/api(\/v1)?\/health\/?$/i;
const HUB_PATH = /^\/api\/(v1\/)?hubs\/([^/]+)(?:\/(.*))?$/i;

/** Answers the request if it is a REST API path; returns false otherwise. */
export async function handleRestRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: RestApiDeps,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (HEALTH.test(url.pathname)) {
    // why: the SDK's health probe sends no Authorization
    if (method === 'HEAD' || method === 'GET') sendEmpty(res, 200);
    else sendJson(res, 405, { code: 'MethodNotAllowed', message: 'Use HEAD or GET' }, { allow: 'HEAD, GET' });
    return true;
  }
  const m = HUB_PATH.exec(url.pathname);
  if (m === null) return false;

  const token = tokenFromRequest(req.headers.authorization, url.searchParams, false);
  if (token === undefined) {
    sendJson(res, 401, { code: 'Unauthorized', message: 'Authorization: Bearer <access token> is required' });
    return true;
  }
  const verified = await verifyAccessToken(token, deps.accessKey, (aud) =>
    isRestAudience(aud, url.pathname, deps.hosts(req)),
  );
  if (!verified.ok) {
    sendJson(res, 401, { code: 'Unauthorized', message: verified.reason });
    return true;
  }

  const v1 = m[1] !== undefined;
  if (!v1 && !url.searchParams.has('api-version')) {
    sendJson(res, 400, {
      code: 'InvalidArgument',
      message: 'The api-version query parameter (e.g. 2022-06-01) is required',
    });
    return true;
  }
  let segments: string[];
  try {
    segments = [m[2] ?? '', ...(m[3] ?? '').split('/').filter((s) => s !== '')].map(decodeURIComponent);
  } catch {
    sendJson(res, 400, { code: 'InvalidArgument', message: 'Path is not valid percent-encoding' });
    return true;
  }
  const [hubName = '', ...rest] = segments;
  if (!isValidHub(hubName)) {
    sendJson(res, 400, { code: 'InvalidArgument', message: `Invalid hub name "${hubName}"` });
    return true;
  }
  const found = matchRoute(rest);
  if (found === undefined) {
    sendJson(res, 404, { code: 'NotFound', message: `No REST API at ${method} ${url.pathname}` });
    return true;
  }
  const handler = found.route.methods[method];
  if (handler === undefined) {
    sendJson(
      res,
      405,
      { code: 'MethodNotAllowed', message: `${method} is not allowed here` },
      { allow: Object.keys(found.route.methods).join(', ') },
    );
    return true;
  }
  const ctx: Ctx = { req, res, hub: deps.hubs.get(hubName), params: found.params, query: url.searchParams, v1 };
  try {
    await handler(ctx);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    if (err.status === 413) res.setHeader('connection', 'close');
    sendJson(res, err.status, { code: err.status === 400 ? 'InvalidArgument' : 'Error', message: err.message });
  }
  return true;
}
