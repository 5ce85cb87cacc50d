import https from 'node:https';
import { CosmosClient, type CosmosClientOptions } from '@azure/cosmos';

/** What `@azure/identity` credentials (DefaultAzureCredential, ManagedIdentityCredential) are to the SDK. */
export type CosmosTokenCredential = NonNullable<CosmosClientOptions['aadCredentials']>;

export interface CosmosClientSettings {
  endpoint: string;
  /** Account key: local work and the emulator. */
  key?: string;
  /** Managed identity on Azure (needs the "Cosmos DB Built-in Data Contributor" role on the account). */
  credential?: CosmosTokenCredential;
  /** Accept the emulator's self-signed (and expired) certificate. Never for a real account. */
  allowSelfSigned?: boolean;
}

/**
 * Throttling (429) is retried by the SDK itself; these limits are generous because a send that gives up early is
 * worse for a chat than one that waits. 503 and timeouts of writes are not retried by the SDK: the store does that
 * itself where a retry is safe (see cosmos-container.ts).
 */
export const COSMOS_RETRY_OPTIONS = {
  maxRetryAttemptCount: 30,
  maxWaitTimeInSeconds: 60,
} as const;

export function createCosmosClient(settings: CosmosClientSettings): CosmosClient {
  const { endpoint, key, credential, allowSelfSigned = false } = settings;
  if ((key === undefined || key === '') && credential === undefined) {
    throw new Error('createCosmosClient needs a key (COSMOS_KEY) or a credential (managed identity)');
  }
  if (allowSelfSigned && /\.documents\.azure\.(com|us|cn)(:\d+)?\/?$/i.test(new URL(endpoint).host)) {
    throw new Error(`COSMOS_ALLOW_SELF_SIGNED is for a local emulator only, not for ${endpoint}`);
  }
  const options: CosmosClientOptions = {
    endpoint,
    ...(key !== undefined && key !== '' ? { key } : { aadCredentials: credential }),
    userAgentSuffix: 'chat-backend',
    connectionPolicy: {
      requestTimeout: 10_000,
      retryOptions: { ...COSMOS_RETRY_OPTIONS },
      // why: an emulator announces itself under its own host name; following that breaks a port-mapped endpoint
      ...(allowSelfSigned && { enableEndpointDiscovery: false }),
    },
    ...(allowSelfSigned && { agent: new https.Agent({ rejectUnauthorized: false, keepAlive: true }) }),
  };
  return new CosmosClient(options);
}
