/**
 * Forks one of the local stack's services (SignalR emulator, embedded Cosmos) into its own Node process, as Azure
 * runs them as separate services: each gets its own event loop, so the stack uses more than one core.
 * The child is compiled JavaScript; from TypeScript sources (vitest) the built copy in dist/ is used.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `rel` is the child's path from the repo root without extension, e.g. `local/signalr-emulator/child`. */
export function childEntry(rel: string): string {
  const here = fileURLToPath(import.meta.url);
  const compiled = here.endsWith('.js');
  const root = fileURLToPath(new URL(compiled ? '../../../' : '../../', import.meta.url));
  const file = `${root}dist/${rel}.js`;
  if (!existsSync(file))
    throw new Error(`${file} is missing: run "npm run build" first (the child runs compiled code)`);
  return file;
}

export interface ServiceProcess {
  readonly pid: number;
  /** Sends a command and resolves with the first message for which `match` holds. */
  request<T>(message: unknown, match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<T>;
  post(message: unknown): void;
  /** Asks the child to stop, waits for its exit (killed after `graceMs`). */
  stop(stopMessage: unknown, graceMs?: number): Promise<void>;
}

export function forkService(entry: string, env: Record<string, string> = {}): ServiceProcess {
  // why: NODE_OPTIONS may not carry --cpu-prof; LOCAL_CPU_PROF_DIR profiles every forked service (README, Performance)
  const profileDir = process.env.LOCAL_CPU_PROF_DIR;
  const child: ChildProcess = fork(entry, [], {
    env: { ...process.env, ...env },
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // why: a crashed parent must not leave the child holding its port (the child also exits on IPC disconnect)
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  void exited.then(() => process.off('exit', kill));
  const post = (message: unknown): void => {
    if (child.connected) child.send(message as never);
  };
  return {
    pid: child.pid ?? -1,
    post,
    request<T>(message: unknown, match: (m: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`child ${entry} did not answer in ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (m: unknown) => {
          if (typeof m === 'object' && m !== null && match(m as Record<string, unknown>)) done(undefined, m as T);
        };
        const onExit = (code: number | null) => done(new Error(`child ${entry} exited (${code ?? 'signal'})`));
        const done = (err: Error | undefined, value?: T) => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve(value as T);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        post(message);
      });
    },
    async stop(stopMessage: unknown, graceMs = 5_000): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      post(stopMessage);
      const timer = setTimeout(kill, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
