import type { Dialect } from '../contracts/dialects.js';
import { connectionStringFields } from '../domain/connection-string.js';
import type { ProfanityMode } from '../domain/content/profanity.js';
import { type EnvSettings, type LogLevel, SettingsSchema } from './env-schema.js';

export type StoreSettings =
  | { kind: 'memory' }
  | {
      kind: 'cosmos';
      endpoint: string;
      /** undefined: the managed identity */
      key: string | undefined;
      database: string;
      containers: { conversations: string; memberships: string; users: string };
      allowSelfSigned: boolean;
      /** Sends as one transactional batch (real Cosmos, the emulator); false = the 409-based allocation. */
      atomicBatch: boolean;
      /** Conditional patches; false = read + IfMatch replace (the embedded server scans on every condition). */
      conditionalPatch: boolean;
      /** The server deletes expired documents (ttl) itself. */
      ttlEnforced: boolean;
    };

export type PushSettings = { kind: 'local' } | { kind: 'notificationhubs'; connectionString: string; hubName: string };

export type AuthSettings =
  | { mode: 'dev'; secret: string; userClaim: string }
  | { mode: 'jwks'; jwksUri: string; issuer: string; audience: string; userClaim: string };

/** How the hub runtime proves an upstream call comes from our SignalR Service (see shared/runtime/upstream-auth.ts). */
export type UpstreamAuthSettings =
  /** Key auth: `X-ASRS-Signature`, HMAC-SHA256 of the connection id with the access key. */
  | { kind: 'signature'; accessKey: string }
  /** Identity auth: an Entra ID bearer token of SignalR's managed identity. */
  | { kind: 'token'; jwksUri: string; issuers: string[]; audience: string; principalId: string | undefined };

export type SignalRSettings =
  /** With AccessKey tokens are signed here; without (`AuthType=azure.msi`) its Endpoint is used with the identity. */
  | { kind: 'connection-string'; connectionString: string }
  /** Managed identity (Azure): `AzureSignalRConnectionString__serviceUri`. */
  | { kind: 'identity'; serviceUri: string };

export interface AttachmentSettings {
  storage:
    | { kind: 'none' }
    | { kind: 'connection-string'; connectionString: string }
    | { kind: 'identity'; endpoint: string };
  container: string;
  maxBytes: number;
  scanner: { kind: 'none' } | { kind: 'clamav'; url: string } | { kind: 'defender' };
}

/** An entry of LINK_PREVIEW_ALLOWED_HOSTS: a host (lower case, IPv6 without brackets), with one port or any. */
export interface AllowedHost {
  host: string;
  port?: number;
}

export interface LinkPreviewSettings {
  maxUrls: number;
  allowedHosts: AllowedHost[];
  cacheSeconds: number;
}

export type TranslatorSettings =
  | { endpoint: string; auth: { kind: 'key'; key: string; region: string | undefined } }
  | { endpoint: string; auth: { kind: 'identity'; resourceId: string; region: string } };

export type QueueSettings = { kind: 'local'; dir: string } | { kind: 'servicebus'; namespace: string };

/** The message content pipeline (shared/app/content): what each processor does, and where the KEK is. */
export interface ContentConfig {
  profanityMode: ProfanityMode;
  profanityExtraWords: string[];
  profanityAllowedWords: string[];
  spam: { repeatMax: number; repeatWindowSeconds: number; newSenderMaxLinks: number; newSenderHours: number };
  sensitiveData: boolean;
  emoticons: boolean;
  markdown: boolean;
  /** Key Vault (Azure, managed identity) or the local key file. */
  keys: { kind: 'keyvault'; keyId: string } | { kind: 'file'; path: string };
}

/** The validated settings, grouped: each variant carries exactly what it needs. */
export interface Settings {
  store: StoreSettings;
  auth: AuthSettings;
  signalR: SignalRSettings;
  queue: QueueSettings;
  upstreamAuth: UpstreamAuthSettings;
  /** undefined: in-process memory for the ephemeral state */
  redisUrl: string | undefined;
  /** entra: authenticate to Redis with a token of the managed identity (Azure Managed Redis). */
  redisAuth: 'password' | 'entra';
  /** Start of every Redis key (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
  /** Exact origins (scheme://host[:port]) browsers may call from with credentials. */
  corsAllowedOrigins: string[];
  retentionDefaultDays: number | null;
  /** Category → days (null = keep), from RETENTION_CATEGORY_DAYS; merged over the built-in ones by the runtime. */
  retentionCategoryDays: Record<string, number | null>;
  retentionSweepBatch: number;
  notificationTopics: string[];
  limits: { sendPerMinute: number; typingPerMinute: number; conversationsPerMinute: number; uploadsPerMinute: number };
  attachments: AttachmentSettings;
  /** Seconds before contacts hear a user went offline; 0 = at once (PRESENCE_OFFLINE_GRACE_SECONDS). */
  presenceOfflineGraceSeconds: number;
  pushGraceSeconds: number;
  push: PushSettings;
  content: ContentConfig;
  linkPreviews: LinkPreviewSettings;
  /** undefined: no Translator (translation answers 503 TRANSLATION.NOT_CONFIGURED). */
  translator: TranslatorSettings | undefined;
  /** The dialects whose hubs get events and may be negotiated. */
  clientContracts: readonly Dialect[];
  logLevel: LogLevel;
  appInsightsConnectionString: string | undefined;
  /** WEBSITE_SITE_NAME: set only when running on Azure. */
  siteName: string | undefined;
}

/** Records a problem with a setting; returns undefined so a rule can give up on its group. */
type Report = (name: keyof EnvSettings, message: string) => undefined;

function storeOf(e: EnvSettings, report: Report): StoreSettings | undefined {
  if (e.STORE === 'memory') return { kind: 'memory' };
  if (e.COSMOS_ENDPOINT === undefined) return report('COSMOS_ENDPOINT', 'is required when STORE=cosmos');
  return {
    kind: 'cosmos',
    endpoint: e.COSMOS_ENDPOINT,
    key: e.COSMOS_KEY,
    database: e.COSMOS_DATABASE,
    containers: {
      conversations: e.COSMOS_CONVERSATIONS_CONTAINER,
      memberships: e.COSMOS_MEMBERSHIPS_CONTAINER,
      users: e.COSMOS_USERS_CONTAINER,
    },
    allowSelfSigned: e.COSMOS_ALLOW_SELF_SIGNED,
    atomicBatch: e.COSMOS_ATOMIC_BATCH,
    conditionalPatch: e.COSMOS_CONDITIONAL_PATCH,
    ttlEnforced: e.COSMOS_TTL_ENFORCED,
  };
}

function pushOf(e: EnvSettings, report: Report): PushSettings | undefined {
  if (e.PUSH_MODE === 'local') return { kind: 'local' };
  const connectionString =
    e.NOTIFICATION_HUBS_CONNECTION_STRING ??
    report('NOTIFICATION_HUBS_CONNECTION_STRING', 'is required when PUSH_MODE=notificationhubs');
  const hubName =
    e.NOTIFICATION_HUBS_HUB_NAME ?? report('NOTIFICATION_HUBS_HUB_NAME', 'is required when PUSH_MODE=notificationhubs');
  if (connectionString !== undefined && !/SharedAccessKeyName=/i.test(connectionString))
    report('NOTIFICATION_HUBS_CONNECTION_STRING', 'must be an access policy connection string (SharedAccessKeyName=…)');
  return connectionString === undefined || hubName === undefined
    ? undefined
    : { kind: 'notificationhubs', connectionString, hubName };
}

function signalROf(e: EnvSettings, report: Report): SignalRSettings | undefined {
  const cs = e.AzureSignalRConnectionString;
  if (cs !== undefined) {
    if (!connectionStringFields(cs).get('endpoint')) return report('AzureSignalRConnectionString', 'has no Endpoint');
    return { kind: 'connection-string', connectionString: cs };
  }
  if (e.AzureSignalRConnectionString__serviceUri !== undefined)
    return { kind: 'identity', serviceUri: e.AzureSignalRConnectionString__serviceUri };
  return report('AzureSignalRConnectionString', 'or AzureSignalRConnectionString__serviceUri is required');
}

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

function upstreamAuthOf(e: EnvSettings, signalR: SignalRSettings, report: Report): UpstreamAuthSettings | undefined {
  const audience = e.SIGNALR_UPSTREAM_AUDIENCE;
  if (audience !== undefined) {
    const jwksUri =
      e.SIGNALR_UPSTREAM_JWKS_URI ?? report('SIGNALR_UPSTREAM_JWKS_URI', 'is required with SIGNALR_UPSTREAM_AUDIENCE');
    const issuers = list(e.SIGNALR_UPSTREAM_ISSUER);
    if (issuers.length === 0) report('SIGNALR_UPSTREAM_ISSUER', 'is required with SIGNALR_UPSTREAM_AUDIENCE');
    if (jwksUri === undefined || issuers.length === 0) return undefined;
    return { kind: 'token', jwksUri, issuers, audience, principalId: e.SIGNALR_UPSTREAM_PRINCIPAL_ID };
  }
  const accessKey =
    signalR.kind === 'connection-string'
      ? connectionStringFields(signalR.connectionString).get('accesskey')
      : undefined;
  if (accessKey) return { kind: 'signature', accessKey };
  // why: with identity-based connections the SignalR extension checks no signature; without a token check anyone
  // holding the webhook URL could call hub functions as any user
  return report('SIGNALR_UPSTREAM_AUDIENCE', 'is required when SignalR uses a managed identity (no AccessKey)');
}

function queueOf(e: EnvSettings, report: Report): QueueSettings | undefined {
  if (e.QUEUE_MODE === 'local') return { kind: 'local', dir: e.LOCAL_QUEUE_DIR };
  const namespace = e.ServiceBusConnection__fullyQualifiedNamespace;
  if (namespace === undefined)
    return report('ServiceBusConnection__fullyQualifiedNamespace', 'is required when QUEUE_MODE=servicebus');
  return { kind: 'servicebus', namespace };
}

function attachmentsOf(e: EnvSettings, report: Report): AttachmentSettings {
  const cs = e.ATTACHMENTS_STORAGE_CONNECTION_STRING;
  if (cs !== undefined && !connectionStringFields(cs).get('accountkey'))
    report(
      'ATTACHMENTS_STORAGE_CONNECTION_STRING',
      'needs an AccountKey (SAS URLs are signed with it); on Azure use ATTACHMENTS_BLOB_ENDPOINT',
    );
  if (e.CLAMD_URL !== undefined && !e.CLAMD_URL.startsWith('tcp://'))
    report('CLAMD_URL', 'must look like tcp://host:3310');
  return {
    storage:
      cs !== undefined
        ? { kind: 'connection-string', connectionString: cs }
        : e.ATTACHMENTS_BLOB_ENDPOINT !== undefined
          ? { kind: 'identity', endpoint: e.ATTACHMENTS_BLOB_ENDPOINT }
          : { kind: 'none' },
    container: e.ATTACHMENTS_CONTAINER,
    maxBytes: e.ATTACHMENT_MAX_BYTES,
    scanner:
      e.CLAMD_URL !== undefined
        ? { kind: 'clamav', url: e.CLAMD_URL }
        : e.ATTACHMENTS_DEFENDER_SCAN
          ? { kind: 'defender' }
          : { kind: 'none' },
  };
}

function allowedHostsOf(e: EnvSettings): AllowedHost[] {
  return list(e.LINK_PREVIEW_ALLOWED_HOSTS).map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.toLowerCase());
    const host = (m?.[1] ?? entry).replace(/^\[|\]$/g, '');
    return m?.[2] === undefined ? { host } : { host, port: Number(m[2]) };
  });
}

function translatorOf(e: EnvSettings, report: Report): TranslatorSettings | undefined {
  const endpoint = e.TRANSLATOR_ENDPOINT;
  if (endpoint === undefined) {
    if (e.TRANSLATOR_KEY !== undefined) report('TRANSLATOR_ENDPOINT', 'is required with TRANSLATOR_KEY');
    return undefined;
  }
  if (e.TRANSLATOR_KEY !== undefined)
    return { endpoint, auth: { kind: 'key', key: e.TRANSLATOR_KEY, region: e.TRANSLATOR_REGION } };
  const resourceId =
    e.TRANSLATOR_RESOURCE_ID ??
    report('TRANSLATOR_RESOURCE_ID', 'is required with TRANSLATOR_ENDPOINT when there is no TRANSLATOR_KEY');
  const region =
    e.TRANSLATOR_REGION ??
    report('TRANSLATOR_REGION', 'is required with TRANSLATOR_ENDPOINT when there is no TRANSLATOR_KEY');
  if (resourceId === undefined || region === undefined) return undefined;
  return { endpoint, auth: { kind: 'identity', resourceId, region } };
}

function corsOf(e: EnvSettings, report: Report): string[] {
  const origins = list(e.CORS_ALLOWED_ORIGINS);
  for (const o of origins) {
    const u = URL.canParse(o) ? new URL(o) : undefined;
    const ok = u !== undefined && (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
    if (!ok) report('CORS_ALLOWED_ORIGINS', `"${o}" is not an origin (scheme://host[:port], no path, no "*")`);
  }
  return origins;
}

function authOf(e: EnvSettings, report: Report): AuthSettings | undefined {
  const userClaim = e.AUTH_USER_CLAIM;
  if (e.AUTH_MODE === 'dev') {
    const secret = e.AUTH_DEV_SECRET ?? report('AUTH_DEV_SECRET', 'is required when AUTH_MODE=dev');
    if (secret !== undefined && secret.length < 32) report('AUTH_DEV_SECRET', 'must be at least 32 characters');
    if (e.WEBSITE_SITE_NAME !== undefined)
      report('AUTH_MODE', 'dev auth is refused when running on Azure (WEBSITE_SITE_NAME is set); use jwks');
    return secret === undefined ? undefined : { mode: 'dev', secret, userClaim };
  }
  const jwksUri = e.AUTH_JWKS_URI ?? report('AUTH_JWKS_URI', 'is required when AUTH_MODE=jwks');
  const issuer = e.AUTH_ISSUER ?? report('AUTH_ISSUER', 'is required when AUTH_MODE=jwks');
  const audience = e.AUTH_AUDIENCE ?? report('AUTH_AUDIENCE', 'is required when AUTH_MODE=jwks');
  if (jwksUri === undefined || issuer === undefined || audience === undefined) return undefined;
  return { mode: 'jwks', jwksUri, issuer, audience, userClaim };
}

function contentOf(e: EnvSettings, report: Report): ContentConfig {
  // why: on Azure a key file would live on the instance's disk and its keys would be lost with it
  if (e.CONTENT_KEK_ID === undefined && e.WEBSITE_SITE_NAME !== undefined)
    report('CONTENT_KEK_ID', 'is required when running on Azure (WEBSITE_SITE_NAME is set)');
  if (e.CONTENT_KEK_ID !== undefined && !/^https:\/\/[^/]+\/keys\/[^/]+(\/[^/]+)?\/?$/.test(e.CONTENT_KEK_ID))
    report('CONTENT_KEK_ID', 'must be a Key Vault key id: https://<vault>.vault.azure.net/keys/<name>[/<version>]');
  return {
    profanityMode: e.PROFANITY_MODE,
    profanityExtraWords: e.PROFANITY_EXTRA_WORDS,
    profanityAllowedWords: e.PROFANITY_ALLOWED_WORDS,
    spam: {
      repeatMax: e.SPAM_REPEAT_MAX,
      repeatWindowSeconds: e.SPAM_REPEAT_WINDOW_SECONDS,
      newSenderMaxLinks: e.SPAM_NEW_SENDER_MAX_LINKS,
      newSenderHours: e.SPAM_NEW_SENDER_HOURS,
    },
    sensitiveData: e.CONTENT_SENSITIVE_DATA,
    emoticons: e.CONTENT_EMOTICONS,
    markdown: e.CONTENT_MARKDOWN,
    keys:
      e.CONTENT_KEK_ID !== undefined
        ? { kind: 'keyvault', keyId: e.CONTENT_KEK_ID }
        : { kind: 'file', path: e.CONTENT_KEY_FILE },
  };
}

/** The flat settings grouped by what they configure; every rule that ties settings together is here, once. */
function group(e: EnvSettings, report: Report): Settings | undefined {
  const store = storeOf(e, report);
  const signalR = signalROf(e, report);
  const auth = authOf(e, report);
  const upstreamAuth = signalR && upstreamAuthOf(e, signalR, report);
  const corsAllowedOrigins = corsOf(e, report);
  if (e.REDIS_AUTH === 'entra' && e.REDIS_URL === undefined) report('REDIS_URL', 'is required when REDIS_AUTH=entra');
  const queue = queueOf(e, report);
  const push = pushOf(e, report);
  const content = contentOf(e, report);
  const attachments = attachmentsOf(e, report);
  const translator = translatorOf(e, report);
  if (!store || !signalR || !auth || !upstreamAuth || !queue || !push) return undefined;
  return {
    store,
    auth,
    signalR,
    queue,
    upstreamAuth,
    redisUrl: e.REDIS_URL,
    redisAuth: e.REDIS_AUTH,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    corsAllowedOrigins,
    retentionDefaultDays: e.RETENTION_DEFAULT_DAYS ?? null,
    retentionCategoryDays: Object.fromEntries(
      list(e.RETENTION_CATEGORY_DAYS).map((pair) => {
        const [category, days] = pair.split('=') as [string, string];
        return [category, days === 'keep' ? null : Number(days)];
      }),
    ),
    retentionSweepBatch: e.RETENTION_SWEEP_BATCH,
    notificationTopics: e.NOTIFICATION_TOPICS?.split(',') ?? [],
    limits: {
      sendPerMinute: e.RATE_LIMIT_SEND_PER_MINUTE,
      typingPerMinute: e.RATE_LIMIT_TYPING_PER_MINUTE,
      conversationsPerMinute: e.RATE_LIMIT_CONVERSATIONS_PER_MINUTE,
      uploadsPerMinute: e.RATE_LIMIT_UPLOADS_PER_MINUTE,
    },
    attachments,
    presenceOfflineGraceSeconds: e.PRESENCE_OFFLINE_GRACE_SECONDS,
    pushGraceSeconds: e.PUSH_GRACE_SECONDS,
    push,
    content,
    linkPreviews: {
      maxUrls: e.LINK_PREVIEW_MAX_URLS,
      allowedHosts: allowedHostsOf(e),
      cacheSeconds: e.LINK_PREVIEW_CACHE_SECONDS,
    },
    translator,
    clientContracts: e.CLIENT_CONTRACTS,
    logLevel: e.LOG_LEVEL,
    appInsightsConnectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING,
    siteName: e.WEBSITE_SITE_NAME,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; names every bad setting (never its value). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const isBlank = (name: string) => (env[name] ?? '').trim() === '';
  const parsed = SettingsSchema.safeParse(env);
  if (parsed.success) {
    const problems: string[] = [];
    const settings = group(parsed.data, (name, message) => void problems.push(`${name}: ${message}`));
    if (settings && problems.length === 0) return Object.freeze(settings);
    throw new ConfigError(problems);
  }
  const problems = parsed.error.issues.map((i) => {
    const name = i.path.join('.') || '(settings)';
    return i.path.length === 1 && isBlank(name) ? `${name}: missing (required)` : `${name}: ${i.message}`;
  });
  // why: the rules that tie settings together only run once every field parsed; this one is too useful to hide
  if (
    isBlank('AzureSignalRConnectionString') &&
    isBlank('AzureSignalRConnectionString__serviceUri') &&
    !problems.some((p) => p.startsWith('AzureSignalR'))
  ) {
    problems.push('AzureSignalRConnectionString: missing (or set AzureSignalRConnectionString__serviceUri)');
  }
  throw new ConfigError(problems);
}

/** Names of all settings, for docs and infrastructure checks. */
