import { z } from 'zod';

const blank = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
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
const int = (dflt: number, min = 1) => z.preprocess(blank, z.coerce.number().int().min(min).default(dflt));

/**
 * Every setting the app reads, with its meaning. The README's configuration table, local.settings.json.example
 * and the Bicep app settings are checked against this one list by the tests.
 */
export const SettingsSchema = z
  .object({
    STORE: z
      .preprocess(blank, z.enum(['memory', 'cosmos']).default('memory'))
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
    REDIS_URL: optStr().describe(
      'Redis for presence, typing, receipts and rate limits (redis:// or rediss://); empty = in-process memory',
    ),
    AzureSignalRConnectionString: optStr().describe(
      'SignalR Service connection string with AccessKey (local emulator or key auth)',
    ),
    AzureSignalRConnectionString__serviceUri: optUrl().describe(
      'SignalR Service endpoint for managed-identity auth (Azure)',
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
    RATE_LIMIT_SEND_PER_MINUTE: int(60).describe('Messages a user may send per minute'),
    RATE_LIMIT_TYPING_PER_MINUTE: int(10).describe(
      'Typing signals a user may send per minute (extra ones are dropped)',
    ),
    LOG_LEVEL: z
      .preprocess(blank, z.enum(['debug', 'info', 'warn', 'error']).default('info'))
      .describe('Lowest level of logs, events and metrics written'),
    APPLICATIONINSIGHTS_CONNECTION_STRING: optStr().describe(
      'Application Insights: custom events and metrics are sent here too (set by the Bicep)',
    ),
    WEBSITE_SITE_NAME: optStr().describe('Set by Azure App Service / Functions; its presence means "running on Azure"'),
  })
  .superRefine((s, ctx) => {
    const need = (name: keyof typeof s, why: string) => {
      if (s[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `is required ${why}` });
    };
    if (s.STORE === 'cosmos') need('COSMOS_ENDPOINT', 'when STORE=cosmos');
    if (s.AzureSignalRConnectionString === undefined && s.AzureSignalRConnectionString__serviceUri === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['AzureSignalRConnectionString'],
        message: 'or AzureSignalRConnectionString__serviceUri is required',
      });
    }
    if (s.AUTH_MODE === 'dev') {
      need('AUTH_DEV_SECRET', 'when AUTH_MODE=dev');
      if (s.AUTH_DEV_SECRET !== undefined && s.AUTH_DEV_SECRET.length < 32) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_DEV_SECRET'], message: 'must be at least 32 characters' });
      }
      if (s.WEBSITE_SITE_NAME !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['AUTH_MODE'],
          message: 'dev auth is refused when running on Azure (WEBSITE_SITE_NAME is set); use jwks',
        });
      }
    }
    if (s.AUTH_MODE === 'jwks') {
      need('AUTH_JWKS_URI', 'when AUTH_MODE=jwks');
      need('AUTH_ISSUER', 'when AUTH_MODE=jwks');
      need('AUTH_AUDIENCE', 'when AUTH_MODE=jwks');
    }
  });

export type Settings = z.infer<typeof SettingsSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; names every bad setting (never its value). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const parsed = SettingsSchema.safeParse(env);
  if (parsed.success) return Object.freeze(parsed.data);
  const isBlank = (name: string) => (env[name] ?? '').trim() === '';
  const problems = parsed.error.issues.map((i) => {
    const name = i.path.join('.') || '(settings)';
    return i.path.length === 1 && isBlank(name) && i.code !== 'custom'
      ? `${name}: missing (required)`
      : `${name}: ${i.message}`;
  });
  // why: zod skips the cross-field rules when a field already failed; this one is too useful to hide
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
export const SETTING_NAMES = Object.keys(SettingsSchema.shape) as (keyof Settings)[];
