import { z } from 'zod';
import { DIALECTS, type Dialect } from '../contracts/dialects.js';
import { DEFAULT_ATTACHMENT_MAX_BYTES } from '../domain/attachment.js';
import { connectionStringFields } from '../domain/connection-string.js';
import { PROFANITY_MODES, type ProfanityMode } from '../domain/content/profanity.js';

export const STORE_KINDS = ['memory', 'cosmos'] as const;

/** An empty or all-blank value counts as unset, as on the Azure portal. */
export const blank = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optStr = () => z.preprocess(blank, z.string().min(1).optional());
const optUrl = () => z.preprocess(blank, z.url().optional());
const bool = (dflt: boolean) =>
  z.preprocess(
    blank,
    z
      .enum(['true', 'false', '1', '0'])
      .default(dflt ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  );
const words = () =>
  z.preprocess(
    blank,
    z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((w) => w.trim())
          .filter((w) => w !== ''),
      ),
  );
const int = (dflt: number, min = 1) => z.preprocess(blank, z.coerce.number().int().min(min).default(dflt));

/**
 * Every setting the app reads, with its meaning. The README's configuration table, local.settings.json.example
 * and the Bicep app settings are checked against this one list by the tests.
 */
export const SettingsSchema = z.object({
  STORE: z
    .preprocess(blank, z.enum(STORE_KINDS).default('memory'))
    .describe('Durable store: memory (embedded, lost on restart) or cosmos'),
  COSMOS_ENDPOINT: optUrl().describe('Cosmos DB account endpoint (with STORE=cosmos)'),
  COSMOS_KEY: optStr().describe('Cosmos DB key; leave empty on Azure to use the managed identity'),
  COSMOS_DATABASE: z.preprocess(blank, z.string().min(1).default('chat')).describe('Cosmos DB database name'),
  COSMOS_CONVERSATIONS_CONTAINER: z
    .preprocess(blank, z.string().min(1).default('conversations'))
    .describe('Container of conversations and their messages (partition /conversationId)'),
  COSMOS_MEMBERSHIPS_CONTAINER: z
    .preprocess(blank, z.string().min(1).default('memberships'))
    .describe('Container of inbox entries (partition /userId)'),
  COSMOS_USERS_CONTAINER: z
    .preprocess(blank, z.string().min(1).default('users'))
    .describe('Container of user profiles and blocks (partition /userId)'),
  COSMOS_ALLOW_SELF_SIGNED: bool(false).describe('Accept a self-signed certificate (local emulator only)'),
  COSMOS_ATOMIC_BATCH: bool(true).describe(
    'Store a send as one transactional batch (claim + message + conversation lastSeq: 1 request); false = the 409-based allocation, for servers without atomic batches (npm start sets false for its embedded cosmosdb-server)',
  ),
  COSMOS_TTL_ENFORCED: bool(true).describe(
    'The database deletes messages whose ttl ran out (Cosmos DB: true); false (the embedded server of npm start): the retention sweep deletes them',
  ),
  REDIS_URL: optStr().describe(
    'Redis for presence, typing, receipts and rate limits (redis:// or rediss://); empty = in-process memory',
  ),
  REDIS_AUTH: z
    .preprocess(blank, z.enum(['password', 'entra']).default('password'))
    .describe(
      'password: REDIS_URL carries the credentials (or none, locally); entra: Azure Managed Redis with a token of the managed identity (REDIS_URL without password)',
    ),
  AzureSignalRConnectionString: optStr().describe(
    'SignalR Service connection string with AccessKey (local emulator or key auth)',
  ),
  AzureSignalRConnectionString__serviceUri: optUrl().describe(
    'SignalR Service endpoint for managed-identity auth (Azure)',
  ),
  SIGNALR_UPSTREAM_AUDIENCE: optStr().describe(
    'Upstream calls carry a managed-identity token for this audience (app id URI / client id); set = tokens are required and checked',
  ),
  SIGNALR_UPSTREAM_ISSUER: optStr().describe(
    'Accepted issuers of upstream tokens, comma-separated (Entra ID v1 and v2 forms of the tenant)',
  ),
  SIGNALR_UPSTREAM_JWKS_URI: optUrl().describe('JWKS URL that signs upstream tokens (the tenant’s Entra ID keys)'),
  SIGNALR_UPSTREAM_PRINCIPAL_ID: optStr().describe(
    'Object id (oid) of the SignalR Service identity; upstream tokens of any other principal are refused',
  ),
  CORS_ALLOWED_ORIGINS: optStr().describe(
    'Browser origins allowed to call the API with credentials, comma-separated (npm start: its own origin)',
  ),
  AUTH_MODE: z
    .preprocess(blank, z.enum(['dev', 'jwks']))
    .describe('dev: HS256 tokens from POST /api/dev/token (local only); jwks: Entra ID / B2C tokens'),
  AUTH_DEV_SECRET: optStr().describe('HS256 secret for dev tokens, at least 32 characters (AUTH_MODE=dev)'),
  AUTH_JWKS_URI: optUrl().describe('JWKS URL of the identity provider (AUTH_MODE=jwks)'),
  AUTH_ISSUER: optStr().describe('Expected token issuer (AUTH_MODE=jwks)'),
  AUTH_AUDIENCE: optStr().describe('Expected token audience (AUTH_MODE=jwks)'),
  AUTH_USER_CLAIM: z
    .preprocess(blank, z.string().min(1).default('sub'))
    .describe('Claim that holds the user id (Entra ID: oid)'),
  RETENTION_DEFAULT_DAYS: z
    .preprocess(blank, z.coerce.number().int().min(1).optional())
    .describe('Retention of conversations without a known category; empty = keep'),
  RETENTION_CATEGORY_DAYS: z
    .preprocess(
      blank,
      z
        .string()
        .regex(
          /^[A-Za-z0-9_.:@-]+=([1-9]\d*|keep)(,[A-Za-z0-9_.:@-]+=([1-9]\d*|keep))*$/,
          'comma-separated category=days (or category=keep), e.g. booking=90,pet-care=keep',
        )
        .optional(),
    )
    .describe(
      'Retention per category beyond the built-in customer-support=180 and customer-driver=30 (which it may override); keep = no expiry',
    ),
  RETENTION_SWEEP_BATCH: int(500).describe(
    'Most messages and conversations one retention sweep run removes; the rest waits for the next run (a cursor is kept)',
  ),
  NOTIFICATION_TOPICS: z
    .preprocess(
      blank,
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9_.-]*(,[a-z0-9][a-z0-9_.-]*)*$/, 'comma-separated topic names (a-z 0-9 _ . -)')
        .optional(),
    )
    .describe('Notification topics any signed-in user may subscribe to, comma-separated (e.g. orders,rides)'),
  RATE_LIMIT_SEND_PER_MINUTE: int(60).describe('Messages a user may send per minute'),
  RATE_LIMIT_TYPING_PER_MINUTE: int(10).describe('Typing signals a user may send per minute (extra ones are dropped)'),
  RATE_LIMIT_CONVERSATIONS_PER_MINUTE: int(10).describe(
    'New conversations plus participant additions a user may make per minute (each puts entries in other inboxes)',
  ),
  RATE_LIMIT_UPLOADS_PER_MINUTE: int(20).describe(
    'Attachment uploads (multipart, voice and direct-upload SAS requests) a user may start per minute',
  ),
  ATTACHMENTS_STORAGE_CONNECTION_STRING: optStr().describe(
    'Blob Storage connection string for attachments (Azurite locally; npm start sets it); account-key SAS',
  ),
  ATTACHMENTS_BLOB_ENDPOINT: optUrl().describe(
    'Blob endpoint of the attachments account on Azure (https://<account>.blob.core.windows.net), reached with the managed identity; user-delegation SAS',
  ),
  ATTACHMENTS_CONTAINER: z
    .preprocess(
      blank,
      z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a blob container name')
        .default('attachments'),
    )
    .describe('Private blob container of uploads, their variants and records'),
  ATTACHMENT_MAX_BYTES: int(DEFAULT_ATTACHMENT_MAX_BYTES).describe(
    'Largest upload accepted, in bytes (both upload flows; 413 beyond)',
  ),
  ATTACHMENTS_DEFENDER_SCAN: bool(false).describe(
    'true: Microsoft Defender for Storage scans uploads (set by the Bicep); the verdict is read from its blob index tag',
  ),
  CLAMD_URL: optUrl().describe('ClamAV clamd to scan uploads with (tcp://host:3310, INSTREAM); empty = no ClamAV'),
  PUSH_GRACE_SECONDS: int(5, 0).describe(
    'Seconds a recipient who was online has to mark a message delivered before it is pushed to their devices anyway',
  ),
  PUSH_MODE: z
    .preprocess(blank, z.enum(['local', 'notificationhubs']).default('local'))
    .describe(
      'Where device pushes go: local (recorded, GET /api/dev/push-outbox) or notificationhubs (Azure Notification Hubs)',
    ),
  NOTIFICATION_HUBS_CONNECTION_STRING: optStr().describe(
    'Notification Hubs access policy connection string (Listen+Send; the SDK has no Entra ID auth): a Key Vault reference on Azure. Required with PUSH_MODE=notificationhubs',
  ),
  NOTIFICATION_HUBS_HUB_NAME: optStr().describe('Notification hub name (with PUSH_MODE=notificationhubs)'),
  CLIENT_CONTRACTS: z
    .preprocess(
      blank,
      z
        .string()
        .default('native')
        .transform((v) => [
          ...new Set(
            v
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
          ),
        ])
        .pipe(z.array(z.enum(DIALECTS)).min(1)),
    )
    .describe(
      'Client contracts served, comma list of native, listo (seed hubs /hubs/messaging, /hubs/notifications), spec (/hubs/chat); events go only to these',
    ),
  LINK_PREVIEW_MAX_URLS: int(3, 0).describe(
    'Link previews per message: the first N distinct http(s) URLs of its text are fetched (0 = no link previews)',
  ),
  LINK_PREVIEW_ALLOWED_HOSTS: z
    .preprocess(
      blank,
      z
        .string()
        .regex(
          /^\s*(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\s*(,\s*(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\s*)*$/,
          'comma-separated host or host:port entries',
        )
        .optional(),
    )
    .describe(
      'Hosts link previews may fetch although they resolve to private addresses or use other ports than 80/443, comma-separated host or host:port (a bare host allows any port); empty by default',
    ),
  LINK_PREVIEW_CACHE_SECONDS: int(86_400).describe('How long a link preview is kept per URL (Redis, or memory)'),
  TRANSLATOR_ENDPOINT: optUrl().describe(
    'Azure AI Translator endpoint (e.g. https://api.cognitive.microsofttranslator.com); empty = translation answers 503 TRANSLATION.NOT_CONFIGURED',
  ),
  TRANSLATOR_KEY: optStr().describe(
    'Translator resource key; empty on Azure to use the managed identity (then TRANSLATOR_RESOURCE_ID and TRANSLATOR_REGION are required)',
  ),
  TRANSLATOR_REGION: optStr().describe(
    'Region of the Translator resource (Ocp-Apim-Subscription-Region); required for regional resources and the managed identity',
  ),
  TRANSLATOR_RESOURCE_ID: optStr().describe(
    'Azure resource id of the Translator (Ocp-Apim-ResourceId), for managed-identity auth on the global endpoint',
  ),
  LOG_LEVEL: z
    .preprocess(blank, z.enum(['debug', 'info', 'warn', 'error']).default('info'))
    .describe('Lowest level of logs, events and metrics written'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optStr().describe(
    'Application Insights: custom events and metrics are sent here too (set by the Bicep)',
  ),
  QUEUE_MODE: z
    .preprocess(blank, z.enum(['local', 'servicebus']).default('local'))
    .describe(
      'Where background jobs go: local (the broker of npm start, journaled in LOCAL_QUEUE_DIR) or servicebus (Azure, managed identity)',
    ),
  ServiceBusConnection__fullyQualifiedNamespace: z
    .preprocess(
      blank,
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i, 'a host name like <namespace>.servicebus.windows.net')
        .optional(),
    )
    .describe(
      'Service Bus namespace host (QUEUE_MODE=servicebus); the same setting the queue triggers use, with the managed identity',
    ),
  LOCAL_QUEUE_DIR: z
    .preprocess(blank, z.string().min(1).default('.local-data/queues'))
    .describe('Folder of the local broker’s journals (QUEUE_MODE=local; survives restarts of npm start)'),
  WEBSITE_SITE_NAME: optStr().describe('Set by Azure App Service / Functions; its presence means "running on Azure"'),
  PROFANITY_MODE: z
    .preprocess(blank, z.enum(PROFANITY_MODES).default('mask'))
    .describe(
      'Profanity in message text: mask (letters replaced, message flagged), reject (400 MESSAGE.PROFANITY) or off',
    ),
  PROFANITY_EXTRA_WORDS: words().describe('Words added to the profanity list, comma-separated'),
  PROFANITY_ALLOWED_WORDS: words().describe(
    'Words never flagged although they contain a listed one (Scunthorpe cases), comma-separated; added to the built-in ones',
  ),
  SPAM_REPEAT_MAX: int(3).describe(
    'How often a sender may send the same text within SPAM_REPEAT_WINDOW_SECONDS; more is refused (MESSAGE.SPAM_REPEATED)',
  ),
  SPAM_REPEAT_WINDOW_SECONDS: int(60).describe('The window of SPAM_REPEAT_MAX, in seconds'),
  SPAM_NEW_SENDER_MAX_LINKS: int(3, 0).describe(
    'Links a new sender may put into one message; more is refused (MESSAGE.SPAM_LINKS)',
  ),
  SPAM_NEW_SENDER_HOURS: int(24, 0).describe('A sender counts as new for this many hours after their first message'),
  CONTENT_SENSITIVE_DATA: bool(true).describe(
    'Mask card numbers, US SSNs, IBANs and password-style secrets in message text and keep their clear text encrypted',
  ),
  CONTENT_EMOTICONS: bool(true).describe('Replace emoticons such as :) with emoji in message text'),
  CONTENT_MARKDOWN: bool(true).describe(
    'Render the markdown subset of message text to sanitized HTML in formattedContent',
  ),
  CONTENT_KEK_ID: optUrl().describe(
    'Key Vault key that wraps the conversation data keys (https://<vault>.vault.azure.net/keys/<name>, no version = follow rotations); managed identity. Required on Azure',
  ),
  CONTENT_KEY_FILE: z
    .preprocess(blank, z.string().min(1).default('.local-data/content-keys.json'))
    .describe('Without CONTENT_KEK_ID: the local key file that wraps the data keys, created on first start'),
});

/** The settings as the environment spells them (flat names, defaults applied, formats checked). */
export type EnvSettings = z.infer<typeof SettingsSchema>;
export type LogLevel = EnvSettings['LOG_LEVEL'];

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
  /** Exact origins (scheme://host[:port]) browsers may call from with credentials. */
  corsAllowedOrigins: string[];
  retentionDefaultDays: number | null;
  /** Category → days (null = keep), from RETENTION_CATEGORY_DAYS; merged over the built-in ones by the runtime. */
  retentionCategoryDays: Record<string, number | null>;
  retentionSweepBatch: number;
  notificationTopics: string[];
  limits: { sendPerMinute: number; typingPerMinute: number; conversationsPerMinute: number; uploadsPerMinute: number };
  attachments: AttachmentSettings;
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
export const SETTING_NAMES = Object.keys(SettingsSchema.shape) as (keyof EnvSettings)[];
