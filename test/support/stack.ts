import { type LocalStack, startLocalStack } from '../../local/stack.js';

/** The local stack as the HTTP tests use it: random ports, the memory store, quiet; `env` adds settings. */
export const startTestStack = (env?: Record<string, string>): Promise<LocalStack> =>
  startLocalStack({ port: 0, signalrPort: 0, store: 'memory', quiet: true, ...(env && { env }) });
