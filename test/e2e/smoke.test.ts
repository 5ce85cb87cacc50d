import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runSmoke } from '../../ops/smoke.js';

// The operator's post-deploy smoke test (`npm run smoke -- <base-url>`), run against the local stack.
describe('npm run smoke against the local stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, signalrPort: 0, store: 'memory', quiet: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('when every step runs, then each passes and prints its latency', async () => {
    const lines: string[] = [];
    const steps = await runSmoke(stack.baseUrl, { log: (l) => lines.push(l) });
    expect(steps.filter((s) => !s.ok)).toEqual([]);
    expect(steps.map((s) => s.name)).toEqual([
      'health',
      'tokens',
      'negotiate',
      'connect two clients',
      'create conversation',
      'send and receive',
      'typing',
      'read receipt',
      'reconnect and catch up',
      'cleanup (leave)',
    ]);
    for (const line of lines) expect(line).toMatch(/^PASS .+ \d+ ms$/);
    console.log(lines.join('\n'));
  });

  it('when the deployment does not answer, then the first step fails and the rest are skipped', async () => {
    const steps = await runSmoke('http://127.0.0.1:9', { timeoutMs: 1000 });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ name: 'health', ok: false });
  });
});
