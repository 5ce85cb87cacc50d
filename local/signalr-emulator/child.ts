/**
 * Entry of the emulator's own process (local/processes/emulator-process.ts forks it): like Azure SignalR Service,
 * the emulator then runs beside the functions host instead of sharing its event loop and core.
 * Settings arrive in the first IPC message; later messages set the upstream URL and origins, ask stats, or stop.
 */
import { SignalREmulator } from './index.js';

type Command =
  | { op: 'start'; port: number; host?: string; accessKey: string; keepAliveMs?: number; clientTimeoutMs?: number }
  | { op: 'upstream'; url: string }
  | { op: 'origins'; origins: readonly string[] }
  | { op: 'stats'; id: number }
  | { op: 'stop' };

let emulator: SignalREmulator | undefined;
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => (stopping ??= emulator?.stop() ?? Promise.resolve());
const reply = (message: unknown): void => void process.send?.(message);

process.on('message', (raw) => {
  const cmd = raw as Command;
  void (async () => {
    switch (cmd.op) {
      case 'start': {
        emulator = new SignalREmulator({
          port: cmd.port,
          host: cmd.host,
          accessKey: cmd.accessKey,
          keepAliveMs: cmd.keepAliveMs,
          clientTimeoutMs: cmd.clientTimeoutMs,
          log: (m) => console.error(`[signalr-emulator] ${m}`),
        });
        try {
          await emulator.start();
          reply({ op: 'started', endpoint: emulator.endpoint });
        } catch (e) {
          reply({ op: 'failed', error: e instanceof Error ? e.message : String(e) });
        }
        return;
      }
      case 'upstream':
        return emulator?.setUpstreamUrl(cmd.url);
      case 'origins':
        return emulator?.setAllowedOrigins(cmd.origins);
      case 'stats':
        return reply({ op: 'stats', id: cmd.id, ...(emulator?.stats() ?? { connections: 0 }) });
      case 'stop':
        await stop();
        reply({ op: 'stopped' });
        process.disconnect?.();
        return;
    }
  })();
});
// why: an orphan (the parent died) must not keep the port
process.on('disconnect', () => void stop().finally(() => process.exit(0)));
