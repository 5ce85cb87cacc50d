/** The SignalR emulator either in this process or in its own (the default of `npm start`), behind one handle. */
import { buildConnectionString } from '../signalr-emulator/connection-string.js';
import { SignalREmulator } from '../signalr-emulator/index.js';
import { childEntry, forkService } from './fork-service.js';

export interface EmulatorHandle {
  /** e.g. http://127.0.0.1:8888 */
  readonly endpoint: string;
  /** The process that holds the client connections (this one when inline). */
  readonly pid: number;
  connectionString(): string;
  setUpstreamUrl(url: string): void;
  setAllowedOrigins(origins: readonly string[]): void;
  stop(): Promise<void>;
}

export interface EmulatorStart {
  port: number;
  accessKey: string;
  /** true: its own process (needs the compiled child, see fork-service.ts). */
  separate: boolean;
}

export async function startEmulator(opts: EmulatorStart): Promise<EmulatorHandle> {
  if (!opts.separate) {
    const emulator = new SignalREmulator({ port: opts.port, accessKey: opts.accessKey });
    await emulator.start();
    return {
      endpoint: emulator.endpoint,
      pid: process.pid,
      connectionString: () => emulator.connectionString(),
      setUpstreamUrl: (url) => emulator.setUpstreamUrl(url),
      setAllowedOrigins: (origins) => emulator.setAllowedOrigins(origins),
      stop: () => emulator.stop(),
    };
  }
  const child = forkService(childEntry('local/signalr-emulator/child'));
  const started = await child.request<{ op: string; endpoint?: string; error?: string }>(
    { op: 'start', port: opts.port, accessKey: opts.accessKey },
    (m) => m.op === 'started' || m.op === 'failed',
  );
  if (started.endpoint === undefined) {
    await child.stop({ op: 'stop' });
    throw new Error(`SignalR emulator did not start: ${started.error ?? 'unknown error'}`);
  }
  const endpoint = started.endpoint;
  return {
    endpoint,
    pid: child.pid,
    connectionString: () => buildConnectionString(endpoint, opts.accessKey),
    setUpstreamUrl: (url) => child.post({ op: 'upstream', url }),
    setAllowedOrigins: (origins) => child.post({ op: 'origins', origins }),
    stop: () => child.stop({ op: 'stop' }),
  };
}
