import { z } from 'zod';
import { checkHealth } from '../../shared/app/health.js';
import { AppError } from '../../shared/domain/errors.js';
import { UserIdSchema } from '../../shared/domain/schemas-common.js';
import { HUBS } from '../../shared/runtime/bindings.js';
import { HUB_METHODS } from '../../shared/runtime/hub.js';
import { buildOpenApi } from '../../shared/runtime/openapi.js';
import { ROUTES, route } from '../../shared/runtime/routes.js';

// why: the SignalR client appends negotiateVersion (and may add more) to the negotiate URL
const NegotiateQuery = z.looseObject({ negotiateVersion: z.string().optional() });

route(
  {
    name: 'negotiate',
    method: 'POST',
    path: 'negotiate',
    summary: 'SignalR connection info {url, accessToken} for the messaging hub; the user id is the token’s',
    query: NegotiateQuery,
  },
  async ({ runtime, userId }) => ({
    status: 200,
    body: await runtime.connectionInfo.issue(HUBS.messaging, userId),
  }),
);

route(
  {
    name: 'negotiate-notifications',
    method: 'POST',
    path: 'notifications/negotiate',
    summary: 'SignalR connection info for the notifications hub',
    query: NegotiateQuery,
  },
  async ({ runtime, userId }) => ({
    status: 200,
    body: await runtime.connectionInfo.issue(HUBS.notifications, userId),
  }),
);

route(
  {
    name: 'dev-token',
    method: 'POST',
    path: 'dev/token',
    auth: false,
    summary: 'Dev auth only: a signed HS256 token for any user id',
    body: z.strictObject({
      userId: UserIdSchema,
      ttlSeconds: z
        .number()
        .int()
        .min(1)
        .max(7 * 86400)
        .optional(),
      roles: z.array(z.string().min(1).max(100)).max(20).optional(),
    }),
  },
  async ({ runtime, body }) => {
    if (!runtime.auth.issueDevToken)
      throw new AppError('not_found', 'DEV_AUTH.OFF', 'dev tokens are only issued when AUTH_MODE=dev');
    return {
      status: 200,
      body: {
        token: await runtime.auth.issueDevToken(body.userId, { ttlSeconds: body.ttlSeconds, roles: body.roles }),
        userId: body.userId,
      },
    };
  },
);

route(
  {
    name: 'openapi',
    method: 'GET',
    path: 'openapi.json',
    auth: false,
    summary: 'This API as OpenAPI 3.1',
  },
  // why: a relative server (paths carry /api), never the request's Host header: a forged Host must not end up in it
  () => Promise.resolve({ status: 200, body: buildOpenApi(ROUTES, HUB_METHODS, '/') }),
);

route(
  {
    name: 'health',
    method: 'GET',
    path: 'health',
    auth: false,
    summary: 'Liveness: answers when the settings are valid and the store is reachable',
  },
  async ({ runtime }) => ({
    status: 200,
    body: { ...(await checkHealth(runtime.deps)), store: runtime.settings.store.kind },
  }),
);
