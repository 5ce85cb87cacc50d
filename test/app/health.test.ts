import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../shared/app/health.js';
import { memoryDeps } from '../support/deps.js';

describe('health', () => {
  it('when the store answers, then the app is healthy', async () => {
    expect(await checkHealth(memoryDeps().deps)).toEqual({ status: 'ok' });
  });

  it('when the store fails, then the health check fails with it', async () => {
    const { deps } = memoryDeps();
    deps.store.getConversation = () => Promise.reject(new Error('store down'));
    await expect(checkHealth(deps)).rejects.toThrow('store down');
  });
});
