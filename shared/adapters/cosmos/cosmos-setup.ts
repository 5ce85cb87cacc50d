import type { Container, ContainerDefinition, CosmosClient } from '@azure/cosmos';
import { statusOf } from './cosmos-errors.js';

export interface CosmosContainerNames {
  conversations: string;
  memberships: string;
  users: string;
}

export interface CosmosContainers {
  conversations: Container;
  memberships: Container;
  users: Container;
}

/**
 * The containers the store needs. Infra (Bicep) must create the same on Azure: partition keys, `defaultTtl: -1`
 * (TTL on, nothing expires unless an item carries its own `ttl`, which messages do for retention) and the
 * composite indexes, without which Cosmos refuses the multi-field ORDER BY queries.
 */
export function containerDefinitions(
  names: CosmosContainerNames,
): Record<keyof CosmosContainerNames, ContainerDefinition> {
  return {
    conversations: {
      id: names.conversations,
      partitionKey: { paths: ['/conversationId'] },
      defaultTtl: -1,
      indexingPolicy: {
        indexingMode: 'consistent',
        automatic: true,
        includedPaths: [{ path: '/*' }],
        // why: nothing queries inside these; not indexing them makes every message write cheaper
        excludedPaths: [
          { path: '/"_etag"/?' },
          { path: '/attachments/*' },
          { path: '/reactions/*' },
          { path: '/editHistory/*' },
          { path: '/hiddenFor/*' },
          { path: '/mentions/*' },
          { path: '/location/*' },
          { path: '/participants/*' },
          { path: '/settings/*' },
          { path: '/lastMessage/*' },
        ],
        // search: newest first, seq breaks ties
        compositeIndexes: [
          [
            { path: '/createdAt', order: 'descending' },
            { path: '/seq', order: 'descending' },
          ],
        ],
      },
    },
    memberships: {
      id: names.memberships,
      partitionKey: { paths: ['/userId'] },
      defaultTtl: -1,
      indexingPolicy: {
        indexingMode: 'consistent',
        automatic: true,
        includedPaths: [{ path: '/*' }],
        excludedPaths: [{ path: '/"_etag"/?' }, { path: '/draft/*' }],
        // inbox order: pinned first, newest activity first, conversation id for stable pages
        compositeIndexes: [
          [
            { path: '/pinned', order: 'descending' },
            { path: '/lastActivityAt', order: 'descending' },
            { path: '/conversationId', order: 'ascending' },
          ],
        ],
      },
    },
    users: {
      id: names.users,
      partitionKey: { paths: ['/userId'] },
      defaultTtl: -1,
      indexingPolicy: {
        indexingMode: 'consistent',
        automatic: true,
        includedPaths: [{ path: '/*' }],
        excludedPaths: [{ path: '/"_etag"/?' }, { path: '/blocked/*' }],
      },
    },
  };
}

/**
 * Creates the database and containers when they are missing. With a managed identity the data-plane role may not
 * create them (403): then they must exist already (infra creates them), which is checked so a wrong name fails at
 * start with a message that names it.
 */
export async function ensureCosmosContainers(
  client: CosmosClient,
  databaseId: string,
  names: CosmosContainerNames,
): Promise<CosmosContainers> {
  const defs = containerDefinitions(names);
  let database = client.database(databaseId);
  try {
    database = (await client.databases.createIfNotExists({ id: databaseId })).database;
  } catch (err) {
    if (statusOf(err) !== 403) throw err;
  }
  const ensure = async (def: ContainerDefinition): Promise<Container> => {
    const id = def.id as string;
    try {
      const { container, resource } = await database.containers.createIfNotExists(def);
      const want = def.partitionKey?.paths?.[0];
      const have = resource?.partitionKey?.paths?.[0];
      if (have !== undefined && have !== want) {
        throw new Error(`Cosmos container "${id}" is partitioned by ${have}, the store needs ${want}`);
      }
      return container;
    } catch (err) {
      if (statusOf(err) !== 403) throw err;
      const container = database.container(id);
      try {
        await container.read();
      } catch (readErr) {
        if (statusOf(readErr) === 404) {
          throw new Error(
            `Cosmos container "${id}" does not exist in database "${databaseId}" and this identity may not create it; deploy infra/ first`,
            {
              cause: readErr,
            },
          );
        }
        throw readErr;
      }
      return container;
    }
  };
  const [conversations, memberships, users] = await Promise.all([
    ensure(defs.conversations),
    ensure(defs.memberships),
    ensure(defs.users),
  ]);
  return { conversations, memberships, users };
}
