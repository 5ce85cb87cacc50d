// The environment as the app reads it: one zod schema of every setting (names, defaults, descriptions for the README).
import { z } from 'zod';
import { DIALECTS } from '../contracts/dialects.js';
import { DEFAULT_ATTACHMENT_MAX_BYTES } from '../domain/attachment.js';
import { PROFANITY_MODES } from '../domain/content/profanity.js';

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
  COSMOS_CONDITIONAL_PATCH: bool(true).describe(
    'Move lastSeq, inbox marks and the outbox flag with conditional patches (one request each); false = read + IfMatch replace (npm start sets false: its embedded cosmosdb-server answers a conditional patch by scanning the whole container)',
  ),
  COSMOS_TTL_ENFORCED: bool(true).describe(
    'The database deletes messages whose ttl ran out (Cosmos DB: true); false (the embedded server of npm start): the retention sweep deletes them',
  ),
  REDIS_URL: optStr().describe(
    'Redis for presence, typing, receipts and rate limits (redis:// or rediss://); empty = in-process memory',
  ),
  REDIS_KEY_PREFIX: z
    .preprocess(
      blank,
      z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
        .default('chat:'),
    )
    .describe(
      'Start of every Redis key (letters, digits, _ . : -): apps or environments sharing one Redis keep apart; the tests give each file its own',
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
  PRESENCE_OFFLINE_GRACE_SECONDS: int(5, 0).describe(
    "Seconds after a user's last connection goes before their contacts get UserOffline (a reconnect within it is never announced); 0 = at once",
  ),
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

export const SETTING_NAMES = Object.keys(SettingsSchema.shape) as (keyof EnvSettings)[];
