/** Entry of the embedded Cosmos server's own process (see cosmos-process.ts). */
import { type EmbeddedCosmos, startEmbeddedCosmos } from '../../shared/adapters/cosmos/embedded-server.js';

let cosmos: EmbeddedCosmos | undefined;
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => (stopping ??= cosmos?.stop() ?? Promise.resolve());
const reply = (message: unknown): void => void process.send?.(message);

process.on('message', (raw) => {
  const cmd = raw as { op: 'start' | 'stop' };
  void (async () => {
    if (cmd.op === 'start') {
      try {
        cosmos = await startEmbeddedCosmos();
        reply({ op: 'started', endpoint: cosmos.endpoint, key: cosmos.key });
      } catch (e) {
        reply({ op: 'failed', error: e instanceof Error ? e.message : String(e) });
      }
    } else {
      await stop();
      reply({ op: 'stopped' });
      process.disconnect?.();
    }
  })();
});
process.on('disconnect', () => void stop().finally(() => process.exit(0)));
