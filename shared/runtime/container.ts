import { DefaultAzureCredential } from '@azure/identity';
import { AppInsightsTelemetry } from '../adapters/appinsights-telemetry.js';
import { ConsoleTelemetry } from '../adapters/console-telemetry.js';
import { MemoryNotificationStore } from '../adapters/memory/memory-notifications.js';
import { MemoryConversationStore } from '../adapters/memory/memory-store.js';
import { IdentityConnectionInfoIssuer, KeyConnectionInfoIssuer } from '../adapters/signalr/connection-info.js';
import { parseSignalRConnectionString } from '../adapters/signalr/connection-string.js';
import { randomIds, systemClock } from '../adapters/system.js';
import type { AppDeps } from '../app/deps.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { DEFAULT_RETENTION_DAYS } from '../domain/rules.js';
import type { EphemeralState } from '../ports/ephemeral.js';
import type { NotificationStore } from '../ports/notifications.js';
import type { ConnectionInfoIssuer } from '../ports/realtime.js';
import type { ConversationStore } from '../ports/store.js';
import type { Telemetry } from '../ports/system.js';
import { type Authenticator, createAuthenticator } from './auth.js';

/** Everything a function needs, built once per process from validated settings. */
export interface Runtime {
  settings: Settings;
  deps: AppDeps;
  auth: Authenticator;
  connectionInfo: ConnectionInfoIssuer;
  close(): Promise<void>;
}

let credential: DefaultAzureCredential | undefined;
const azureCredential = (): DefaultAzureCredential => (credential ??= new DefaultAzureCredential());

async function buildStores(
  settings: Settings,
): Promise<{ store: ConversationStore; notifications: NotificationStore }> {
  if (settings.STORE === 'memory')
    return { store: new MemoryConversationStore(), notifications: new MemoryNotificationStore() };
  const { createCosmosClient } = await import('../adapters/cosmos/cosmos-client.js');
  const { CosmosConversationStore } = await import('../adapters/cosmos/cosmos-store.js');
  const client = createCosmosClient({
    endpoint: settings.COSMOS_ENDPOINT as string,
    ...(settings.COSMOS_KEY !== undefined ? { key: settings.COSMOS_KEY } : { credential: azureCredential() }),
    allowSelfSigned: settings.COSMOS_ALLOW_SELF_SIGNED,
  });
  const store = await CosmosConversationStore.create({
    client,
    databaseId: settings.COSMOS_DATABASE,
    containers: {
      conversations: settings.COSMOS_CONVERSATIONS_CONTAINER,
      memberships: settings.COSMOS_MEMBERSHIPS_CONTAINER,
      users: settings.COSMOS_USERS_CONTAINER,
    },
  });
  const { CosmosNotificationStore } = await import('../adapters/cosmos/cosmos-notifications.js');
  const notifications = new CosmosNotificationStore(
    client.database(settings.COSMOS_DATABASE).container(settings.COSMOS_USERS_CONTAINER),
  );
  return { store, notifications };
}

async function buildEphemeral(settings: Settings, telemetry: Telemetry): Promise<EphemeralState> {
  if (settings.REDIS_URL === undefined) {
    const { MemoryEphemeralState } = await import('../adapters/memory/memory-ephemeral.js');
    return new MemoryEphemeralState();
  }
  const { createRedisClient } = await import('../adapters/redis/redis-client.js');
  const { RedisEphemeralState } = await import('../adapters/redis/redis-ephemeral.js');
  let lastLogged = 0;
  const client = createRedisClient(settings.REDIS_URL, {
    // why: ioredis reports every reconnect attempt; one line a minute is enough to see an outage
    onError: (e) => {
      if (Date.now() - lastLogged < 60_000) return;
      lastLogged = Date.now();
      telemetry.log('warn', 'redis unavailable; presence, typing, receipts cache and rate limits are degraded', {
        error: e.message,
      });
    },
  });
  return new RedisEphemeralState(client);
}

function buildConnectionInfo(settings: Settings): ConnectionInfoIssuer {
  if (settings.AzureSignalRConnectionString !== undefined) {
    const conn = parseSignalRConnectionString(settings.AzureSignalRConnectionString);
    if (conn.accessKey !== undefined) return new KeyConnectionInfoIssuer({ ...conn, accessKey: conn.accessKey });
    return new IdentityConnectionInfoIssuer(conn.endpoint, azureCredential());
  }
  return new IdentityConnectionInfoIssuer(
    settings.AzureSignalRConnectionString__serviceUri as string,
    azureCredential(),
  );
}

export async function buildRuntime(env: Record<string, string | undefined> = process.env): Promise<Runtime> {
  const settings = loadSettings(env);
  const console = new ConsoleTelemetry(settings.LOG_LEVEL);
  const telemetry =
    settings.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined
      ? console
      : new AppInsightsTelemetry(settings.APPLICATIONINSIGHTS_CONNECTION_STRING, console);
  const [{ store, notifications }, ephemeral] = await Promise.all([
    buildStores(settings),
    buildEphemeral(settings, telemetry),
  ]);
  const deps: AppDeps = {
    store,
    ephemeral,
    notifications,
    clock: systemClock,
    ids: randomIds,
    telemetry,
    retention: { byCategory: DEFAULT_RETENTION_DAYS, defaultDays: settings.RETENTION_DEFAULT_DAYS ?? null },
    limits: {
      sendPerMinute: settings.RATE_LIMIT_SEND_PER_MINUTE,
      typingPerMinute: settings.RATE_LIMIT_TYPING_PER_MINUTE,
    },
  };
  return {
    settings,
    deps,
    auth: createAuthenticator(settings),
    connectionInfo: buildConnectionInfo(settings),
    close: async () => {
      if (telemetry instanceof AppInsightsTelemetry) await telemetry.flush();
      await ephemeral.close();
    },
  };
}

let runtime: Promise<Runtime> | undefined;

/** The process-wide runtime. The first call validates the settings; a bad setting fails every call with its name. */
export function getRuntime(): Promise<Runtime> {
  runtime ??= buildRuntime();
  return runtime;
}

/** Closes the runtime so the next call rebuilds it from the environment (local host restarts, tests). */
export async function resetRuntime(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
}
