import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blank } from '../shared/config/env-schema.js';
import { loadSettings, type Settings } from '../shared/config/settings.js';
import { installCoreApi } from './host/core-api.js';
import { FunctionHost } from './host/function-host.js';
import { startCosmos } from './processes/cosmos-process.js';
import { type EmulatorHandle, startEmulator } from './processes/emulator-process.js';
import { type LocalQueueOptions, type LocalQueues, openLocalQueues } from './queue/local-queues.js';
import { webClient } from './web-client.js';

export interface LocalStackOptions {
  /** Functions host port (7071 like `func start`; 0 = any free port). */
  port?: number;
  /** SignalR emulator port (8888 like Microsoft's emulator; 0 = any). */
  signalrPort?: number;
  /** memory, or cosmos on the embedded cosmosdb-server unless COSMOS_ENDPOINT is set. */
  store?: 'memory' | 'cosmos';
  /** Redis URL; undefined = in-process memory twin. */
  redisUrl?: string;
  /** Folder of the local broker's journals (npm start: LOCAL_QUEUE_DIR, default .local-data/queues); unset = a fresh temporary folder, removed on stop (tests). */
  queueDir?: string;
  /** Broker limits and trigger options (tests: short locks and backoffs). */
  queues?: LocalQueueOptions;
  /** The local content key file (npm start: CONTENT_KEY_FILE, default .local-data/content-keys.json); unset = one in a fresh temporary folder (tests). */
  contentKeyFile?: string;
  /**
   * Attachments on Blob Storage: start Azurite (a child process) unless ATTACHMENTS_* already name a storage.
   * A folder keeps its data between runs (npm start); true keeps it in memory (tests). Unset: no attachments.
   */
  blobs?: boolean | string;
  /** Extra settings, applied last. */
  env?: Record<string, string>;
  quiet?: boolean;
  /**
   * Run the SignalR emulator and the embedded Cosmos server in their own processes, as Azure runs them as separate
   * services (`npm start` and the load bench do; tests keep one process). Needs the compiled code (npm run build).
   */
  separateProcesses?: boolean;
}

export interface LocalStack {
  /** e.g. http://127.0.0.1:7071 — the API is under /api */
  baseUrl: string;
  signalrEndpoint: string;
  /** The app settings the functions run with, validated by the app's own schema. */
  settings: Settings;
  host: FunctionHost;
  emulator: EmulatorHandle;
  /** Process ids of the parts, for the bench's CPU and memory figures (equal to process.pid when inline). */
  pids: { host: number; emulator: number; cosmos?: number };
  queues: LocalQueues;
  stop(): Promise<void>;
}

/** Local defaults, applied only where the environment leaves a setting unset (blank counts as unset, as in the schema). */
function unsetOnly(defaults: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(defaults).filter(([name]) => blank(process.env[name]) === undefined));
}

/** A temporary queue folder for a stack that names none, removed when the stack stops. */
function scratchDir(stops: (() => Promise<void>)[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-queues-'));
  stops.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  return dir;
}

/** The whole backend in one process: embedded store, SignalR emulator, and the functions on a local host. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const accessKey = randomBytes(32).toString('base64url');
  const separate = opts.separateProcesses === true;
  const emulator = await startEmulator({ port: opts.signalrPort ?? 8888, accessKey, separate });
  let cosmosPid: number | undefined;
  const stops: (() => Promise<void>)[] = [() => emulator.stop()];
  const stopAll = async () => {
    for (const stop of stops) await stop();
  };

  let settings: Settings;
  try {
    const env: Record<string, string> = {
      ...unsetOnly({
        AUTH_MODE: 'dev',
        AUTH_DEV_SECRET: randomBytes(32).toString('base64url'),
        LOG_LEVEL: opts.quiet ? 'warn' : 'info',
        // why: locally every client contract is served, so a newcomer can try any seed's client unchanged
        CLIENT_CONTRACTS: 'native,listo,spec',
        // why: the seeds' notification topics (as in local.settings.json.example), so their clients subscribe unchanged
        NOTIFICATION_TOPICS: 'orders,rides',
      }),
      AzureSignalRConnectionString: emulator.connectionString(),
      STORE: opts.store ?? 'memory',
      LOCAL_QUEUE_DIR: opts.queueDir ?? scratchDir(stops),
      CONTENT_KEY_FILE: opts.contentKeyFile ?? join(scratchDir(stops), 'content-keys.json'),
      ...(opts.redisUrl !== undefined && { REDIS_URL: opts.redisUrl }),
      ...opts.env,
    };
    if (env.STORE === 'cosmos' && blank(env.COSMOS_ENDPOINT ?? process.env.COSMOS_ENDPOINT) === undefined) {
      const cosmos = await startCosmos(separate);
      cosmosPid = cosmos.pid;
      stops.push(() => cosmos.stop());
      Object.assign(env, {
        COSMOS_ENDPOINT: cosmos.endpoint,
        COSMOS_KEY: cosmos.key,
        COSMOS_ALLOW_SELF_SIGNED: 'true',
        // why: cosmosdb-server runs a batch's operations without undoing them on a failure (not atomic)
        COSMOS_ATOMIC_BATCH: 'false',
        // why: cosmosdb-server evaluates a patch condition as a query over every document of the container
        COSMOS_CONDITIONAL_PATCH: 'false',
        // why: the embedded server keeps documents past their ttl; the retention sweep deletes expired messages
        COSMOS_TTL_ENFORCED: 'false',
      });
    }
    const storageNamed = ['ATTACHMENTS_STORAGE_CONNECTION_STRING', 'ATTACHMENTS_BLOB_ENDPOINT'].some(
      (n) => blank(env[n] ?? process.env[n]) !== undefined,
    );
    if (opts.blobs !== undefined && opts.blobs !== false && !storageNamed) {
      const { startAzurite } = await import('./azurite.js');
      const azurite = await startAzurite(typeof opts.blobs === 'string' ? { location: opts.blobs } : {});
      stops.push(() => azurite.stop());
      env.ATTACHMENTS_STORAGE_CONNECTION_STRING = azurite.connectionString;
    }
    Object.assign(process.env, env);
    // why: a bad setting stops the stack here, naming it, instead of failing every request
    settings = loadSettings(process.env);
  } catch (e) {
    await stopAll();
    throw e;
  }

  let queues: LocalQueues;
  try {
    queues = await openLocalQueues(settings, opts.queues);
  } catch (e) {
    await stopAll();
    throw e;
  }
  // why first: triggers finish their in-flight messages while the host and the emulator still run
  stops.unshift(() => queues.stop());

  installCoreApi();
  const { resetRuntime } = await import('../shared/runtime/container.js');
  await resetRuntime();
  await import('../functions/index.js');
  queues.startTriggers();
  const host = new FunctionHost();
  host.extras.push(webClient);
  const baseUrl = await host.start(opts.port ?? 7071);
  emulator.setUpstreamUrl(`${baseUrl}/runtime/webhooks/signalr`);
  // why: like the deployed app, only listed origins may call with credentials; by default the host's own origin
  // (the web client), by either name a browser may use for it
  const port = new URL(baseUrl).port;
  const origins =
    settings.corsAllowedOrigins.length > 0
      ? settings.corsAllowedOrigins
      : [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  host.allowedOrigins = origins;
  emulator.setAllowedOrigins(origins);
  // why: the emulator goes first so its `disconnected` calls still reach the functions
  stops.splice(2, 0, () => host.stop());

  return {
    baseUrl,
    signalrEndpoint: emulator.endpoint,
    settings,
    host,
    emulator,
    pids: { host: process.pid, emulator: emulator.pid, ...(cosmosPid !== undefined && { cosmos: cosmosPid }) },
    queues,
    stop: async () => {
      await stopAll();
      await resetRuntime();
    },
  };
}
