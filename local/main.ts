// `npm start`: the whole backend on this machine, no Azure account, Docker or Core Tools needed.
import { ConfigError } from '../shared/config/settings.js';
import { startLocalStack } from './stack.js';

const store = process.env.STORE === 'memory' ? 'memory' : 'cosmos';
try {
  const stack = await startLocalStack({
    port: Number(process.env.PORT ?? 7071),
    signalrPort: Number(process.env.SIGNALR_PORT ?? 8888),
    store,
    redisUrl: process.env.REDIS_URL,
  });
  console.log(`
  chat backend running (store: ${store}, ephemeral state: ${process.env.REDIS_URL ? 'redis' : 'memory'})
    API            ${stack.baseUrl}/api/v1/messaging/...
    OpenAPI        ${stack.baseUrl}/api/openapi.json
    dev token      curl -s -XPOST ${stack.baseUrl}/api/dev/token -H 'content-type: application/json' -d '{"userId":"alice"}'
    demo chat      ${stack.baseUrl}/   (open it in two browser windows)
    negotiate      ${stack.baseUrl}/api/negotiate  (SignalR hub "messaging"; emulator at ${stack.signalrEndpoint})
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
