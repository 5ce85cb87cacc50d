import { randomBytes } from 'node:crypto';
import { demoPage } from './demo-page.js';
import { installCoreApi } from './host/core-api.js';
import { FunctionHost } from './host/function-host.js';
import { SignalREmulator } from './signalr-emulator/index.js';

export interface LocalStackOptions {
  /** Functions host port (7071 like `func start`; 0 = any free port). */
  port?: number;
  /** SignalR emulator port (8888 like Microsoft's emulator; 0 = any). */
  signalrPort?: number;
  /** memory, or cosmos on the embedded cosmosdb-server unless COSMOS_ENDPOINT is set. */
  store?: 'memory' | 'cosmos';
  /** Redis URL; undefined = in-process memory twin. */
  redisUrl?: string;
  /** Extra settings, applied last. */
  env?: Record<string, string>;
  quiet?: boolean;
}

export interface LocalStack {
  /** e.g. http://127.0.0.1:7071 — the API is under /api */
  baseUrl: string;
  signalrEndpoint: string;
  host: FunctionHost;
  emulator: SignalREmulator;
  stop(): Promise<void>;
}

/** The whole backend in one process: embedded store, SignalR emulator, and the functions on a local host. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const accessKey = randomBytes(32).toString('base64url');
  const emulator = new SignalREmulator({ port: opts.signalrPort ?? 8888, accessKey });
  await emulator.start();

  const stops: (() => Promise<void>)[] = [() => emulator.stop()];
  const env: Record<string, string> = {
    AUTH_MODE: process.env.AUTH_MODE ?? 'dev',
    AUTH_DEV_SECRET: process.env.AUTH_DEV_SECRET ?? randomBytes(32).toString('base64url'),
    AzureSignalRConnectionString: emulator.connectionString(),
    STORE: opts.store ?? 'memory',
    LOG_LEVEL: process.env.LOG_LEVEL ?? (opts.quiet ? 'warn' : 'info'),
  };
  if (opts.redisUrl !== undefined) env.REDIS_URL = opts.redisUrl;
  if (env.STORE === 'cosmos' && !process.env.COSMOS_ENDPOINT && !opts.env?.COSMOS_ENDPOINT) {
    const { startEmbeddedCosmos } = await import('../shared/adapters/cosmos/embedded-server.js');
    const cosmos = await startEmbeddedCosmos();
    stops.push(() => cosmos.stop());
    Object.assign(env, { COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key, COSMOS_ALLOW_SELF_SIGNED: 'true' });
  }
  Object.assign(process.env, env, opts.env);

  installCoreApi();
  const { resetRuntime } = await import('../shared/runtime/container.js');
  await resetRuntime();
  await import('../functions/index.js');
  const host = new FunctionHost();
  host.extras.push(demoPage);
  const baseUrl = await host.start(opts.port ?? 7071);
  emulator.setUpstreamUrl(`${baseUrl}/runtime/webhooks/signalr`);
  // why: the emulator goes first so its `disconnected` calls still reach the functions
  stops.splice(1, 0, () => host.stop());

  return {
    baseUrl,
    signalrEndpoint: emulator.endpoint,
    host,
    emulator,
    stop: async () => {
      for (const stop of stops) await stop();
      await resetRuntime();
    },
  };
}
