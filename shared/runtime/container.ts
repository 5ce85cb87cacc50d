import { DefaultAzureCredential } from '@azure/identity';
import { AppInsightsTelemetry } from '../adapters/appinsights-telemetry.js';
import { ConsoleTelemetry } from '../adapters/console-telemetry.js';
import { MemoryNotificationStore } from '../adapters/memory/memory-notifications.js';
import { MemoryConversationStore } from '../adapters/memory/memory-store.js';
import { IdentityConnectionInfoIssuer, KeyConnectionInfoIssuer } from '../adapters/signalr/connection-info.js';
import { parseSignalRConnectionString } from '../adapters/signalr/connection-string.js';
import { identityGroupSender, keyGroupSender } from '../adapters/signalr/rest-sender.js';
import { randomIds, systemClock } from '../adapters/system.js';
import type { AppDeps } from '../app/deps.js';
import { loadSettings, type Settings, type SignalRSettings, type StoreSettings } from '../config/settings.js';
import { DEFAULT_RETENTION_DAYS } from '../domain/rules.js';
import type { EphemeralState } from '../ports/ephemeral.js';
import type { NotificationStore } from '../ports/notifications.js';
import type { ConnectionInfoIssuer, GroupSender } from '../ports/realtime.js';
import type { ConversationStore } from '../ports/store.js';
import type { Telemetry } from '../ports/system.js';
import { type Authenticator, createAuthenticator } from './auth.js';

/** Everything a function needs, built once per process from validated settings. */
export interface Runtime {
  settings: Settings;
  deps: AppDeps;
  auth: Authenticator;
  connectionInfo: ConnectionInfoIssuer;
  /** Group sends with excluded connections (REST), which the output binding cannot make. */
  groupSender: GroupSender;
  close(): Promise<void>;
}

let credential: DefaultAzureCredential | undefined;
const azureCredential = (): DefaultAzureCredential => (credential ??= new DefaultAzureCredential());

async function buildStores(
  settings: StoreSettings,
): Promise<{ store: ConversationStore; notifications: NotificationStore }> {
  if (settings.kind === 'memory')
    return { store: new MemoryConversationStore(), notifications: new MemoryNotificationStore() };
  const { createCosmosClient } = await import('../adapters/cosmos/cosmos-client.js');
  const { CosmosConversationStore } = await import('../adapters/cosmos/cosmos-store.js');
  const client = createCosmosClient({
    endpoint: settings.endpoint,
    ...(settings.key !== undefined ? { key: settings.key } : { credential: azureCredential() }),
    allowSelfSigned: settings.allowSelfSigned,
  });
  const store = await CosmosConversationStore.create({
    client,
    databaseId: settings.database,
    containers: settings.containers,
  });
  const { CosmosNotificationStore } = await import('../adapters/cosmos/cosmos-notifications.js');
  const notifications = new CosmosNotificationStore(
    client.database(settings.database).container(settings.containers.users),
  );
  return { store, notifications };
}

async function buildEphemeral(redisUrl: string | undefined, telemetry: Telemetry): Promise<EphemeralState> {
  if (redisUrl === undefined) {
    const { MemoryEphemeralState } = await import('../adapters/memory/memory-ephemeral.js');
    return new MemoryEphemeralState();
  }
  const { createRedisClient } = await import('../adapters/redis/redis-client.js');
  const { RedisEphemeralState } = await import('../adapters/redis/redis-ephemeral.js');
  let lastLogged = 0;
  const client = createRedisClient(redisUrl, {
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

function buildConnectionInfo(settings: SignalRSettings): ConnectionInfoIssuer {
  if (settings.kind === 'identity') return new IdentityConnectionInfoIssuer(settings.serviceUri, azureCredential());
  const conn = parseSignalRConnectionString(settings.connectionString);
  return conn.accessKey === undefined
    ? new IdentityConnectionInfoIssuer(conn.endpoint, azureCredential())
    : new KeyConnectionInfoIssuer({ ...conn, accessKey: conn.accessKey });
}

function buildGroupSender(settings: SignalRSettings): GroupSender {
  if (settings.kind === 'identity') return identityGroupSender(settings.serviceUri, azureCredential());
  const conn = parseSignalRConnectionString(settings.connectionString);
  return conn.accessKey === undefined
    ? identityGroupSender(conn.endpoint, azureCredential())
    : keyGroupSender({ ...conn, accessKey: conn.accessKey });
}

export async function buildRuntime(settings: Settings): Promise<Runtime> {
  const console = new ConsoleTelemetry(settings.logLevel);
  const telemetry =
    settings.appInsightsConnectionString === undefined
      ? console
      : new AppInsightsTelemetry(settings.appInsightsConnectionString, console, { role: settings.siteName });
  const [{ store, notifications }, ephemeral] = await Promise.all([
    buildStores(settings.store),
    buildEphemeral(settings.redisUrl, telemetry),
  ]);
  const deps: AppDeps = {
    store,
    ephemeral,
    notifications,
    clock: systemClock,
    ids: randomIds,
    telemetry,
    retention: { byCategory: DEFAULT_RETENTION_DAYS, defaultDays: settings.retentionDefaultDays },
    limits: settings.limits,
  };
  return {
    settings,
    deps,
    auth: createAuthenticator(settings),
    connectionInfo: buildConnectionInfo(settings.signalR),
    groupSender: buildGroupSender(settings.signalR),
    close: async () => {
      if (telemetry instanceof AppInsightsTelemetry) await telemetry.flush();
      await ephemeral.close();
    },
  };
}

let settings: Settings | undefined;

/** The process's settings, parsed from the environment once (until resetRuntime); a bad one throws naming it. */
export function getSettings(): Settings {
  settings ??= loadSettings(process.env);
  return settings;
}

let runtime: Promise<Runtime> | undefined;

/** The process-wide runtime. The first call validates the settings; a bad setting fails every call with its name. */
export function getRuntime(): Promise<Runtime> {
  runtime ??= Promise.resolve().then(() => buildRuntime(getSettings()));
  return runtime;
}

/** Closes the runtime so the next call rebuilds it from the environment (local host restarts, tests). */
export async function resetRuntime(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  settings = undefined;
  if (current) await (await current.catch(() => undefined))?.close();
}
