import { DefaultAzureCredential } from '@azure/identity';
import { AppInsightsTelemetry } from '../adapters/appinsights-telemetry.js';
import { ConsoleTelemetry } from '../adapters/console-telemetry.js';
import { LocalPushSender } from '../adapters/memory/local-push.js';
import { MemoryNotificationStore } from '../adapters/memory/memory-notifications.js';
import { MemoryConversationStore } from '../adapters/memory/memory-store.js';
import { MemoryTemplateStore } from '../adapters/memory/memory-templates.js';
import { sendReadCache } from '../adapters/send-read-cache.js';
import { IdentityConnectionInfoIssuer, KeyConnectionInfoIssuer } from '../adapters/signalr/connection-info.js';
import { parseSignalRConnectionString } from '../adapters/signalr/connection-string.js';
import { identityGroupSender, keyGroupSender } from '../adapters/signalr/rest-sender.js';
import { randomIds, systemClock } from '../adapters/system.js';
import type { AppDeps } from '../app/deps.js';
import { type MessageEventConsumer, messageEventsConsumer } from '../app/message-events.js';
import {
  loadSettings,
  type PushSettings,
  type QueueSettings,
  type Settings,
  type SignalRSettings,
  type StoreSettings,
} from '../config/settings.js';
import { DEFAULT_RETENTION_DAYS } from '../domain/rules.js';
import type { EphemeralState } from '../ports/ephemeral.js';
import type { NotificationStore } from '../ports/notifications.js';
import type { PushSender } from '../ports/push.js';
import type { JobQueue, QueueProbe } from '../ports/queue.js';
import type { ConnectionInfoIssuer, GroupSender } from '../ports/realtime.js';
import type { ConversationStore } from '../ports/store.js';
import type { Telemetry } from '../ports/system.js';
import type { TemplateStore } from '../ports/templates.js';
import { type Authenticator, createAuthenticator } from './auth.js';
import { withDependencyTelemetry } from './dependencies.js';
import { createUpstreamVerifier, type UpstreamVerifier } from './upstream-auth.js';

/** Everything a function needs, built once per process from validated settings. */
export interface Runtime {
  settings: Settings;
  deps: AppDeps;
  auth: Authenticator;
  connectionInfo: ConnectionInfoIssuer;
  /** Background jobs (QUEUE_MODE): Service Bus on Azure, the local broker under npm start. */
  queue: JobQueue & QueueProbe;
  /** Proves upstream calls come from our SignalR Service. */
  upstream: UpstreamVerifier;
  /** The message-events consumer of this process (it keeps the inbox fan-out's coalescing state). */
  messageEvents: MessageEventConsumer;
  /** Group sends with excluded connections (REST), which the output binding cannot make. */
  groupSender: GroupSender;
  close(): Promise<void>;
}

let credential: DefaultAzureCredential | undefined;
const azureCredential = (): DefaultAzureCredential => (credential ??= new DefaultAzureCredential());

async function buildStores(
  settings: StoreSettings,
  telemetry: Telemetry,
): Promise<{ store: ConversationStore; notifications: NotificationStore; templates: TemplateStore }> {
  if (settings.kind === 'memory')
    return {
      store: new MemoryConversationStore(),
      notifications: new MemoryNotificationStore(),
      templates: new MemoryTemplateStore(),
    };
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
    atomicBatch: settings.atomicBatch,
    enforcesTtl: settings.ttlEnforced,
  });
  const { CosmosNotificationStore } = await import('../adapters/cosmos/cosmos-notifications.js');
  const notifications = new CosmosNotificationStore(
    client.database(settings.database).container(settings.containers.users),
  );
  const { CosmosTemplateStore } = await import('../adapters/cosmos/cosmos-templates.js');
  const templates = new CosmosTemplateStore(client.database(settings.database).container(settings.containers.users));
  const cosmos = { type: 'Azure DocumentDB', target: new URL(settings.endpoint).host };
  return {
    store: withDependencyTelemetry<ConversationStore>(store, cosmos, telemetry),
    notifications: withDependencyTelemetry<NotificationStore>(notifications, cosmos, telemetry),
    templates: withDependencyTelemetry<TemplateStore>(templates, cosmos, telemetry),
  };
}

async function buildEphemeral(
  redis: { url: string | undefined; auth: 'password' | 'entra' },
  telemetry: Telemetry,
): Promise<{ ephemeral: EphemeralState; stop?: () => void }> {
  if (redis.url === undefined) {
    const { MemoryEphemeralState } = await import('../adapters/memory/memory-ephemeral.js');
    return { ephemeral: new MemoryEphemeralState() };
  }
  const { createRedisClient } = await import('../adapters/redis/redis-client.js');
  const { RedisEphemeralState } = await import('../adapters/redis/redis-ephemeral.js');
  const target = { type: 'Redis', target: new URL(redis.url).host };
  const measured = (state: EphemeralState) => withDependencyTelemetry(state, target, telemetry);
  let lastLogged = 0;
  // why: ioredis reports every reconnect attempt; one line a minute is enough to see an outage
  const onError = (e: Error) => {
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    telemetry.log('warn', 'redis unavailable; presence, typing, receipts cache and rate limits are degraded', {
      error: e.message,
    });
  };
  if (redis.auth === 'entra') {
    const { redisEntraAuth } = await import('../adapters/redis/entra-auth.js');
    const auth = await redisEntraAuth(azureCredential());
    const client = createRedisClient(redis.url, { onError, username: auth.username, password: auth.password });
    auth.keepFresh(client, onError);
    return { ephemeral: measured(new RedisEphemeralState(client)), stop: () => auth.stop() };
  }
  return { ephemeral: measured(new RedisEphemeralState(createRedisClient(redis.url, { onError }))) };
}

/** With a key tokens are signed here; with the identity each negotiate is a SignalR REST call (:generateToken). */
function buildConnectionInfo(settings: SignalRSettings, telemetry: Telemetry): ConnectionInfoIssuer {
  const conn = settings.kind === 'identity' ? undefined : parseSignalRConnectionString(settings.connectionString);
  if (conn?.accessKey !== undefined) return new KeyConnectionInfoIssuer({ ...conn, accessKey: conn.accessKey });
  const endpoint = conn?.endpoint ?? (settings.kind === 'identity' ? settings.serviceUri : '');
  return withDependencyTelemetry<ConnectionInfoIssuer>(
    new IdentityConnectionInfoIssuer(endpoint, azureCredential()),
    { type: 'Azure SignalR', target: new URL(endpoint).host },
    telemetry,
  );
}

function buildGroupSender(settings: SignalRSettings): GroupSender {
  if (settings.kind === 'identity') return identityGroupSender(settings.serviceUri, azureCredential());
  const conn = parseSignalRConnectionString(settings.connectionString);
  return conn.accessKey === undefined
    ? identityGroupSender(conn.endpoint, azureCredential())
    : keyGroupSender({ ...conn, accessKey: conn.accessKey });
}

async function buildPush(settings: PushSettings, telemetry: Telemetry): Promise<PushSender> {
  if (settings.kind === 'local') return new LocalPushSender();
  const { NotificationHubsPushSender } = await import('../adapters/push/notification-hubs.js');
  return withDependencyTelemetry<PushSender>(
    new NotificationHubsPushSender(settings.connectionString, settings.hubName),
    { type: 'Azure Notification Hubs', target: settings.hubName },
    telemetry,
  );
}

async function buildQueue(settings: QueueSettings, telemetry: Telemetry): Promise<JobQueue & QueueProbe> {
  if (settings.kind === 'local') {
    const { LocalJobQueue } = await import('../adapters/queue/local-queue.js');
    return new LocalJobQueue(settings.dir);
  }
  const { ServiceBusJobQueue } = await import('../adapters/queue/servicebus-queue.js');
  return withDependencyTelemetry<JobQueue & QueueProbe>(
    ServiceBusJobQueue.connect(settings.namespace, azureCredential()),
    { type: 'Azure Service Bus', target: settings.namespace },
    telemetry,
  );
}

export async function buildRuntime(settings: Settings): Promise<Runtime> {
  const console = new ConsoleTelemetry(settings.logLevel);
  const telemetry =
    settings.appInsightsConnectionString === undefined
      ? console
      : new AppInsightsTelemetry(settings.appInsightsConnectionString, console, { role: settings.siteName });
  const [{ store, notifications, templates }, { ephemeral, stop: stopEphemeral }, queue, push] = await Promise.all([
    buildStores(settings.store, telemetry),
    buildEphemeral({ url: settings.redisUrl, auth: settings.redisAuth }, telemetry),
    buildQueue(settings.queue, telemetry),
    buildPush(settings.push, telemetry),
  ]);
  // why: the send path's conversation and block reads, cached per process for at most 5 s (send-read-cache.ts)
  const reads = sendReadCache(store);
  const deps: AppDeps = {
    store: reads.store,
    sendReads: reads.sendReads,
    queue,
    push,
    pushGraceSeconds: settings.pushGraceSeconds,
    ephemeral,
    notifications,
    templates,
    clock: systemClock,
    ids: randomIds,
    telemetry,
    retention: {
      byCategory: { ...DEFAULT_RETENTION_DAYS, ...settings.retentionCategoryDays },
      defaultDays: settings.retentionDefaultDays,
      sweepBatch: settings.retentionSweepBatch,
    },
    notificationTopics: settings.notificationTopics,
    limits: settings.limits,
  };
  return {
    settings,
    deps,
    auth: createAuthenticator(settings),
    connectionInfo: buildConnectionInfo(settings.signalR, telemetry),
    queue,
    upstream: createUpstreamVerifier(settings.upstreamAuth),
    messageEvents: messageEventsConsumer(deps),
    groupSender: buildGroupSender(settings.signalR),
    close: async () => {
      if (telemetry instanceof AppInsightsTelemetry) await telemetry.flush();
      stopEphemeral?.();
      await ephemeral.close();
      await queue.close();
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
