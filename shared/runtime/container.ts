import { DefaultAzureCredential } from '@azure/identity';
import { AppInsightsTelemetry } from '../adapters/appinsights-telemetry.js';
import { ConsoleTelemetry } from '../adapters/console-telemetry.js';
import { MarkdownHtmlRenderer } from '../adapters/content/markdown-html.js';
import { ObscenityProfanityScanner } from '../adapters/content/obscenity-profanity.js';
import { EnvelopeDataKeys } from '../adapters/keys/envelope-keys.js';
import { HttpLinkPreviewer } from '../adapters/link-preview/http-link-previewer.js';
import { SafeFetcher } from '../adapters/link-preview/safe-fetch.js';
import { LocalPushSender } from '../adapters/memory/local-push.js';
import { MemoryTextCache } from '../adapters/memory/memory-cache.js';
import { MemoryNotificationStore } from '../adapters/memory/memory-notifications.js';
import { MemoryConversationStore } from '../adapters/memory/memory-store.js';
import { MemoryTemplateStore } from '../adapters/memory/memory-templates.js';
import { MemoryTranslationStore } from '../adapters/memory/memory-translations.js';
import { MemoryWrappedKeys } from '../adapters/memory/memory-wrapped-keys.js';
import { sendReadCache } from '../adapters/send-read-cache.js';
import { IdentityConnectionInfoIssuer, KeyConnectionInfoIssuer } from '../adapters/signalr/connection-info.js';
import { parseSignalRConnectionString } from '../adapters/signalr/connection-string.js';
import { identityGroupSender, keyGroupSender } from '../adapters/signalr/rest-sender.js';
import { randomIds, systemClock } from '../adapters/system.js';
import type { AttachmentServices } from '../app/attachments-records.js';
import type { ContentDeps } from '../app/content-config.js';
import type { AppDeps } from '../app/deps.js';
import type { LinkPreviewDeps } from '../app/link-previews.js';
import { type MessageEventConsumer, messageEventsConsumer } from '../app/message-events.js';
import {
  type AttachmentSettings,
  type ContentConfig,
  loadSettings,
  type PushSettings,
  type QueueSettings,
  type Settings,
  type SignalRSettings,
  type StoreSettings,
  type TranslatorSettings,
} from '../config/settings.js';
import { DEFAULT_RETENTION_DAYS } from '../domain/rules.js';
import type { BlobStore, MalwareScanner } from '../ports/attachments.js';
import type { TextCache } from '../ports/cache.js';
import type { EphemeralState } from '../ports/ephemeral.js';
import type { KeyWrapper, WrappedKeyStore } from '../ports/keys.js';
import type { NotificationStore } from '../ports/notifications.js';
import type { PushSender } from '../ports/push.js';
import type { JobQueue, QueueProbe } from '../ports/queue.js';
import type { ConnectionInfoIssuer, GroupSender } from '../ports/realtime.js';
import type { ConversationStore } from '../ports/store.js';
import type { Telemetry } from '../ports/system.js';
import type { TemplateStore } from '../ports/templates.js';
import type { TranslationStore } from '../ports/translations.js';
import type { Translator } from '../ports/translator.js';
import { AudienceGroups } from './audience-groups.js';
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
  /** What the link-previews consumer needs: the safe fetcher with its per-URL cache, and how many URLs to preview. */
  linkPreviews: LinkPreviewDeps;
  /** Group sends with excluded connections (REST), which the output binding cannot make. */
  groupSender: GroupSender;
  close(): Promise<void>;
}

let credential: DefaultAzureCredential | undefined;
const azureCredential = (): DefaultAzureCredential => (credential ??= new DefaultAzureCredential());

async function buildStores(
  settings: StoreSettings,
  telemetry: Telemetry,
): Promise<{
  store: ConversationStore;
  notifications: NotificationStore;
  wrappedKeys: WrappedKeyStore;
  translations: TranslationStore;
  templates: TemplateStore;
}> {
  if (settings.kind === 'memory')
    return {
      store: new MemoryConversationStore(),
      notifications: new MemoryNotificationStore(),
      wrappedKeys: new MemoryWrappedKeys(),
      translations: new MemoryTranslationStore(),
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
    conditionalPatch: settings.conditionalPatch,
    enforcesTtl: settings.ttlEnforced,
  });
  const { CosmosNotificationStore } = await import('../adapters/cosmos/cosmos-notifications.js');
  const notifications = new CosmosNotificationStore(
    client.database(settings.database).container(settings.containers.users),
  );
  const { CosmosWrappedKeys } = await import('../adapters/cosmos/cosmos-wrapped-keys.js');
  const { DocumentContainer } = await import('../adapters/cosmos/cosmos-container.js');
  const wrappedKeys = new CosmosWrappedKeys(
    new DocumentContainer(client.database(settings.database).container(settings.containers.conversations)),
  );
  const { CosmosTranslationStore } = await import('../adapters/cosmos/cosmos-translations.js');
  const translations = new CosmosTranslationStore(
    client.database(settings.database).container(settings.containers.conversations),
  );
  const { CosmosTemplateStore } = await import('../adapters/cosmos/cosmos-templates.js');
  const templates = new CosmosTemplateStore(client.database(settings.database).container(settings.containers.users));
  const cosmos = { type: 'Azure DocumentDB', target: new URL(settings.endpoint).host };
  return {
    store: withDependencyTelemetry<ConversationStore>(store, cosmos, telemetry),
    notifications: withDependencyTelemetry<NotificationStore>(notifications, cosmos, telemetry),
    wrappedKeys: withDependencyTelemetry<WrappedKeyStore>(wrappedKeys, cosmos, telemetry),
    translations: withDependencyTelemetry<TranslationStore>(translations, cosmos, telemetry),
    templates: withDependencyTelemetry<TemplateStore>(templates, cosmos, telemetry),
  };
}

/** The content pipeline's ports: the profanity list, the markdown renderer and the envelope keys (KEK by setting). */
async function buildContent(
  settings: ContentConfig,
  wrappedKeys: WrappedKeyStore,
  telemetry: Telemetry,
): Promise<ContentDeps> {
  let wrapper: KeyWrapper;
  if (settings.keys.kind === 'keyvault') {
    const { KeyVaultKeyWrapper } = await import('../adapters/keys/keyvault-key-wrapper.js');
    wrapper = withDependencyTelemetry<KeyWrapper>(
      new KeyVaultKeyWrapper(settings.keys.keyId, azureCredential()),
      { type: 'Azure Key Vault', target: new URL(settings.keys.keyId).host },
      telemetry,
    );
  } else {
    const { LocalKeyFile } = await import('../adapters/keys/local-key-file.js');
    wrapper = await LocalKeyFile.open(settings.keys.path);
  }
  return {
    settings,
    profanity: new ObscenityProfanityScanner({
      extraWords: settings.profanityExtraWords,
      allowedWords: settings.profanityAllowedWords,
    }),
    markdown: new MarkdownHtmlRenderer(),
    keys: new EnvelopeDataKeys(wrapper, wrappedKeys),
  };
}

async function buildEphemeral(
  redis: { url: string | undefined; auth: 'password' | 'entra'; keyPrefix: string },
  telemetry: Telemetry,
): Promise<{ ephemeral: EphemeralState; cache: TextCache; stop?: () => void }> {
  if (redis.url === undefined) {
    const { MemoryEphemeralState } = await import('../adapters/memory/memory-ephemeral.js');
    return { ephemeral: new MemoryEphemeralState(), cache: new MemoryTextCache() };
  }
  const { RedisTextCache } = await import('../adapters/redis/redis-cache.js');
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
    return {
      ephemeral: measured(new RedisEphemeralState(client, { keyPrefix: redis.keyPrefix })),
      cache: new RedisTextCache(client, `${redis.keyPrefix}cache:`),
      stop: () => auth.stop(),
    };
  }
  const client = createRedisClient(redis.url, { onError });
  return {
    ephemeral: measured(new RedisEphemeralState(client, { keyPrefix: redis.keyPrefix })),
    cache: new RedisTextCache(client, `${redis.keyPrefix}cache:`),
  };
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

/** Attachments on Blob Storage (Azurite locally, the managed identity on Azure); absent when none is configured. */
async function buildAttachments(
  settings: AttachmentSettings,
  telemetry: Telemetry,
): Promise<AttachmentServices | undefined> {
  const { storage, container, scanner } = settings;
  if (storage.kind === 'none') return undefined;
  const { AzureBlobStore } = await import('../adapters/blob/azure-blob-store.js');
  const { LocalMediaProcessor } = await import('../adapters/media/media-processor.js');
  const store = AzureBlobStore.connect(
    storage.kind === 'connection-string'
      ? { kind: 'connection-string', connectionString: storage.connectionString, container }
      : { kind: 'identity', endpoint: storage.endpoint, credential: azureCredential(), container },
  );
  const target = storage.kind === 'identity' ? new URL(storage.endpoint).host : 'attachments';
  const blobs = withDependencyTelemetry<BlobStore>(store, { type: 'Azure blob', target }, telemetry);
  let malware: MalwareScanner | null = null;
  if (scanner.kind === 'clamav') {
    const { ClamAvScanner } = await import('../adapters/blob/clamav-scanner.js');
    malware = new ClamAvScanner(scanner.url);
  } else if (scanner.kind === 'defender') {
    const { DefenderScanner } = await import('../adapters/blob/defender-scanner.js');
    malware = new DefenderScanner(blobs);
  }
  return { blobs, media: new LocalMediaProcessor(), scanner: malware, maxBytes: settings.maxBytes };
}

/** Key auth signs nothing here; identity auth asks the managed identity for a Cognitive Services token per call. */
async function buildTranslator(
  settings: TranslatorSettings | undefined,
  telemetry: Telemetry,
): Promise<Translator | null> {
  if (settings === undefined) return null;
  const { AzureTranslator } = await import('../adapters/translator/azure-translator.js');
  const translator = new AzureTranslator({
    endpoint: settings.endpoint,
    auth: settings.auth.kind === 'key' ? settings.auth : { ...settings.auth, credential: azureCredential() },
  });
  return withDependencyTelemetry<Translator>(
    translator,
    { type: 'Azure AI Translator', target: new URL(settings.endpoint).host },
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
  const [
    { store, notifications, wrappedKeys, translations, templates },
    { ephemeral, cache, stop: stopEphemeral },
    queue,
    push,
    attachments,
    translator,
  ] = await Promise.all([
    buildStores(settings.store, telemetry),
    buildEphemeral({ url: settings.redisUrl, auth: settings.redisAuth, keyPrefix: settings.redisKeyPrefix }, telemetry),
    buildQueue(settings.queue, telemetry),
    buildPush(settings.push, telemetry),
    buildAttachments(settings.attachments, telemetry),
    buildTranslator(settings.translator, telemetry),
  ]);
  const content = await buildContent(settings.content, wrappedKeys, telemetry);
  // why: the send path's conversation and block reads, cached per process for at most 5 s (send-read-cache.ts)
  const reads = sendReadCache(store);
  const deps: AppDeps = {
    store: reads.store,
    sendReads: reads.sendReads,
    queue,
    push,
    pushGraceSeconds: settings.pushGraceSeconds,
    presenceOfflineGraceSeconds: settings.presenceOfflineGraceSeconds,
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
    content,
    ...(attachments && { attachments }),
    translations,
    translator,
  };
  const fetcher = new SafeFetcher({ allowedHosts: settings.linkPreviews.allowedHosts });
  return {
    settings,
    deps,
    auth: createAuthenticator(settings),
    connectionInfo: buildConnectionInfo(settings.signalR, telemetry),
    queue,
    upstream: createUpstreamVerifier(settings.upstreamAuth),
    messageEvents: messageEventsConsumer(deps, [], { linkPreviews: settings.linkPreviews.maxUrls > 0 }),
    linkPreviews: {
      store: deps.store,
      telemetry,
      previewer: new HttpLinkPreviewer(fetcher, cache, settings.linkPreviews.cacheSeconds, telemetry),
      maxUrls: settings.linkPreviews.maxUrls,
    },
    groupSender: new AudienceGroups(buildGroupSender(settings.signalR)),
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
