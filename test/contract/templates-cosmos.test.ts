import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll } from 'vitest';
import { ensureCosmosContainers } from '../../shared/adapters/cosmos/cosmos-setup.js';
import { CosmosTemplateStore } from '../../shared/adapters/cosmos/cosmos-templates.js';
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../support/cosmos-server.js';
import { runTemplateContract } from './templates.contract.js';

let server: EmbeddedCosmos;
beforeAll(async () => {
  server = await startEmbeddedCosmos();
});
afterAll(async () => {
  await server?.stop();
});

runTemplateContract('cosmos on cosmosdb-server', async () => {
  const client = new CosmosClient({
    endpoint: server.endpoint,
    key: server.key,
    agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }),
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const databaseId = `templates_${randomUUID()}`;
  const { users } = await ensureCosmosContainers(client, databaseId, {
    conversations: 'conversations',
    memberships: 'memberships',
    users: 'users',
  });
  return {
    templates: new CosmosTemplateStore(users),
    cleanup: async () => {
      await client.database(databaseId).delete();
      client.dispose();
    },
  };
});
