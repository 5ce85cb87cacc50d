/** The stack under test in a child process (its emulator and embedded store in their own, as `npm start` runs them). */
import { startLocalStack } from '../../local/stack.js';

process.on('message', (raw) => {
  const cmd = raw as { op: 'start'; store: 'memory' | 'cosmos'; env: Record<string, string> } | { op: 'stop' };
  if (cmd.op === 'start') {
    startLocalStack({
      port: 0,
      signalrPort: 0,
      store: cmd.store,
      quiet: true,
      separateProcesses: true,
      env: cmd.env,
    }).then(
      (stack) => {
        process.send?.({ op: 'started', baseUrl: stack.baseUrl, pids: stack.pids });
        process.on('message', (m) => {
          if ((m as { op: string }).op === 'stop') void stack.stop().finally(() => process.exit(0));
        });
      },
      (e: unknown) => process.send?.({ op: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
