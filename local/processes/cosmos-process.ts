/** The embedded Cosmos server in this process or in its own, as the real store is its own service. */
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../../shared/adapters/cosmos/embedded-server.js';
import { childEntry, forkService } from './fork-service.js';

export type CosmosHandle = EmbeddedCosmos & { readonly pid: number };

export async function startCosmos(separate: boolean): Promise<CosmosHandle> {
  if (!separate) return { ...(await startEmbeddedCosmos()), pid: process.pid };
  const child = forkService(childEntry('local/processes/cosmos-child'));
  const started = await child.request<{ endpoint?: string; key?: string; error?: string }>(
    { op: 'start' },
    (m) => m.op === 'started' || m.op === 'failed',
  );
  if (started.endpoint === undefined || started.key === undefined) {
    await child.stop({ op: 'stop' });
    throw new Error(`embedded Cosmos did not start: ${started.error ?? 'unknown error'}`);
  }
  return { endpoint: started.endpoint, key: started.key, pid: child.pid, stop: () => child.stop({ op: 'stop' }) };
}
