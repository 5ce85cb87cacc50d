import type { AddressInfo } from 'node:net';
import { createHttpsServer } from '@vercel/cosmosdb-server';

/** The well-known key of the Cosmos DB emulator; cosmosdb-server accepts any key. */
export const EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nZuU4a6ryZFWtRE1WfuQ2ZLhnuMCUrBUE+Ie1aPDY6wg==';

export interface EmbeddedCosmos {
  /** e.g. https://127.0.0.1:54321 — its certificate is self-signed and expired: connect with allowSelfSigned. */
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts `@vercel/cosmosdb-server` in this process (in memory, empty at start; keep-alive on, which makes the SDK
 * about three times faster than against its CLI). For local runs and tests only.
 */
export async function startEmbeddedCosmos(opts: { port?: number; host?: string } = {}): Promise<EmbeddedCosmos> {
  const host = opts.host ?? '127.0.0.1';
  const server = createHttpsServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    key: EMULATOR_KEY,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
