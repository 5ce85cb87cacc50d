// `npm start`: the whole backend on this machine, no Azure account, Docker or Core Tools needed.
import { z } from 'zod';
import { blank, STORE_KINDS } from '../shared/config/env-schema.js';
import { ConfigError } from '../shared/config/settings.js';
import { startLocalStack } from './stack.js';

const port = (dflt: number) => z.preprocess(blank, z.coerce.number().int().min(0).max(65535).default(dflt));

/** What `npm start` reads for itself; the app's settings are checked by the stack against the app's schema. */
const LocalEnvSchema = z.object({
  PORT: port(7071).describe('Functions host port'),
  SIGNALR_PORT: port(8888).describe('SignalR emulator port'),
  // why: locally the store defaults to Cosmos DB on the embedded server, so `npm start` runs the real adapter
  STORE: z.preprocess(blank, z.enum(STORE_KINDS).default('cosmos')),
  // why: the local broker's journals outlive npm start, so what was enqueued is delivered after a restart
  LOCAL_QUEUE_DIR: z.preprocess(blank, z.string().min(1).default('.local-data/queues')),
  // why: the key file that wraps the content data keys must outlive npm start, or sealed messages could not be revealed
  CONTENT_KEY_FILE: z.preprocess(blank, z.string().min(1).default('.local-data/content-keys.json')),
  // why: uploads (Azurite's blobs) outlive npm start like the queue journals
  LOCAL_BLOB_DIR: z.preprocess(blank, z.string().min(1).default('.local-data/azurite')),
});

try {
  const local = LocalEnvSchema.safeParse(process.env);
  if (!local.success) throw new ConfigError(local.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const stack = await startLocalStack({
    port: local.data.PORT,
    signalrPort: local.data.SIGNALR_PORT,
    store: local.data.STORE,
    queueDir: local.data.LOCAL_QUEUE_DIR,
    contentKeyFile: local.data.CONTENT_KEY_FILE,
    blobs: local.data.LOCAL_BLOB_DIR,
    // why: like Azure's separate services, the emulator and the embedded store get their own process and core
    separateProcesses: true,
  });
  const { settings } = stack;
  console.log(`
  chat backend running (store: ${settings.store.kind}, ephemeral state: ${settings.redisUrl ? 'redis' : 'memory'})
    API            ${stack.baseUrl}/api/v1/messaging/...
    OpenAPI        ${stack.baseUrl}/api/openapi.json   AsyncAPI ${stack.baseUrl}/api/asyncapi.json
    dev token      curl -s -XPOST ${stack.baseUrl}/api/dev/token -H 'content-type: application/json' -d '{"userId":"alice"}'
    web client     ${stack.baseUrl}/   (open it in two browser windows; built from web/)
    attachments    ${stack.baseUrl}/api/v1/messaging/attachments/upload  (blobs: ${settings.attachments.storage.kind === 'none' ? 'off' : 'Azurite / ATTACHMENTS_*'})
    negotiate      ${stack.baseUrl}/api/negotiate  (SignalR hub "messaging"; emulator at ${stack.signalrEndpoint})
    seed clients   withUrl("${stack.baseUrl}/hubs/messaging"), "/hubs/notifications", "/hubs/chat" (CLIENT_CONTRACTS: ${settings.clientContracts.join(',')})
  `);
  const shutdown = () => {
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}
