// The seed hubs' negotiate endpoints (at the site root, like the seeds' URLs) and the AsyncAPI document.
import { z } from 'zod';
import { buildAsyncApi } from '../../shared/contracts/asyncapi.js';
import { DIALECT_HUBS } from '../../shared/contracts/dialects.js';
import { ConnectionInfoSchema } from '../../shared/contracts/http.js';
import { AppError } from '../../shared/domain/errors.js';
import { HUB_METHODS } from '../../shared/runtime/hub.js';
import { route } from '../../shared/runtime/routes.js';

const NegotiateQuery = z.looseObject({ negotiateVersion: z.string().optional() });

for (const h of DIALECT_HUBS.filter((x) => x.dialect !== 'native')) {
  route(
    {
      name: `negotiate-${h.hub.replace(/_/g, '-')}`,
      method: 'POST',
      path: `${h.url.replace(/^\//, '')}/negotiate`,
      root: true,
      summary: `SignalR connection info for the ${h.dialect} ${h.family} hub (withUrl("<base>${h.url}"))`,
      query: NegotiateQuery,
      response: ConnectionInfoSchema,
    },
    async ({ runtime, userId }) => {
      if (!runtime.settings.clientContracts.includes(h.dialect))
        throw new AppError(
          'not_found',
          'CONTRACT.DISABLED',
          `the ${h.dialect} client contract is not enabled here (CLIENT_CONTRACTS=${runtime.settings.clientContracts.join(',')})`,
        );
      return { status: 200, body: await runtime.connectionInfo.issue(h.hub, userId) };
    },
  );
}

route(
  {
    name: 'asyncapi',
    method: 'GET',
    path: 'asyncapi.json',
    auth: false,
    summary: 'Every hub, method and event of every client contract, as AsyncAPI 3.0',
  },
  ({ request }) => Promise.resolve({ status: 200, body: buildAsyncApi(HUB_METHODS, new URL(request.url).origin) }),
);
