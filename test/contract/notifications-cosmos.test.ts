import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { CosmosClient, type CosmosClientOptions, ErrorResponse, type PluginConfig, ResourceType } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosNotificationStore } from '../../shared/adapters/cosmos/cosmos-notifications.js';
import { ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmos-setup.js';
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../support/cosmos-server.js';
import { notificationOf, runNotificationContract } from './notifications.contract.js';
import { uniq } from './store.contract.js';

const containers = { conversations: 'conversations', memberships: 'memberships', users: 'users' };

let server: EmbeddedCosmos;
beforeAll(async () => {
  server = await startEmbeddedCosmos();
});
afterAll(async () => {
  await server?.stop();
});

/**
 * Throttling injected below the SDK, whose own 429 retries are switched off for this client (maxRetryAttemptCount 0):
 * every injected 429 reaches the store, which must absorb it itself.
 */
const throttle = { next: 0, always: false, injected: 0 };
const plugins: PluginConfig[] = [
  {
    on: 'request',
    plugin: (context, _diagnosticNode, next) => {
      if (context.resourceType === ResourceType.item && (throttle.always || throttle.next > 0)) {
        throttle.next = Math.max(0, throttle.next - 1);
        throttle.injected++;
        throw Object.assign(new ErrorResponse('injected: too many requests'), {
          code: 429,
          retryAfterInMs: 1,
          headers: { 'x-ms-retry-after-ms': '1' },
        });
      }
      return next(context);
    },
  },
];

/** A fresh database on the embedded server, reached by a client that can be told to throttle. */
async function cosmosNotifications() {
  const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint: server.endpoint,
    key: server.key,
    agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }),
    connectionPolicy: { enableEndpointDiscovery: false, retryOptions: { maxRetryAttemptCount: 0 } },
    plugins,
  };
  const client = new CosmosClient(options);
  const databaseId = `notifications_${randomUUID()}`;
  const { users } = await ensureCosmosContainers(client, databaseId, containers);
  return {
    notifications: new CosmosNotificationStore(users),
    cleanup: async () => {
      await client.database(databaseId).delete();
      client.dispose();
    },
  };
}

runNotificationContract('cosmos on cosmosdb-server', cosmosNotifications);

describe('CosmosNotificationStore when the database is busy', () => {
  let subject: Awaited<ReturnType<typeof cosmosNotifications>>;
  beforeAll(async () => {
    subject = await cosmosNotifications();
  });
  afterAll(async () => {
    throttle.always = false;
    throttle.next = 0;
    await subject?.cleanup();
  });

  it('when a few requests are throttled (429), then add, list and update are retried and succeed', async () => {
    const user = uniq('u');
    const store = subject.notifications;
    throttle.injected = 0;
    throttle.next = 2;
    await store.add([notificationOf(user, 'n1')]);
    throttle.next = 2;
    expect(await store.list(user, { unreadOnly: false, limit: 10 })).toEqual([notificationOf(user, 'n1')]);
    throttle.next = 2;
    expect(await store.update(user, 'n1', (n) => ({ ...n, readAt: n.createdAt }))).toMatchObject({ id: 'n1' });
    expect(throttle.injected).toBe(6);
  });

  it('when the database stays busy, then the caller gets unavailable with a retry hint, not an internal error', async () => {
    const user = uniq('u');
    throttle.always = true;
    try {
      const busy = { name: 'AppError', kind: 'unavailable', code: 'STORE.UNAVAILABLE' };
      await expect(subject.notifications.list(user, { unreadOnly: false, limit: 10 })).rejects.toMatchObject(busy);
      await expect(subject.notifications.add([notificationOf(user, 'n1')])).rejects.toMatchObject(busy);
      await expect(subject.notifications.update(user, 'n1', (n) => n)).rejects.toMatchObject(busy);
    } finally {
      throttle.always = false;
    }
  });
});
