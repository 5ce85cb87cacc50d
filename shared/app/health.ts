import type { AppDeps } from './deps.js';

/** Liveness: the store answers a point read (of a conversation that never exists). A failure propagates. */
export async function checkHealth(deps: Pick<AppDeps, 'store'>): Promise<{ status: 'ok' }> {
  await deps.store.getConversation('health-probe');
  return { status: 'ok' };
}
