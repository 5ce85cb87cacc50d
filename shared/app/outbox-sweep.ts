/**
 * The outbox sweep (a timer): messages whose message-events job was never acknowledged still carry their marker;
 * enqueue their job again. The deterministic job id makes a copy of a job still in flight a duplicate the queue
 * drops, and the consumer is idempotent, so sweeping a message twice does nothing more.
 */
import type { AppDeps } from './deps.js';
import { messageEventJob } from './send-effects.js';

/** Younger markers are left alone: their job is most likely on its way. */
export const OUTBOX_SWEEP_AGE_SECONDS = 60;
const SWEEP_BATCH = 200;

export async function sweepOutbox(
  deps: Pick<AppDeps, 'store' | 'queue' | 'clock' | 'telemetry'>,
): Promise<{ requeued: number }> {
  const olderThan = new Date(deps.clock.now().getTime() - OUTBOX_SWEEP_AGE_SECONDS * 1000).toISOString();
  const pending = await deps.store.listPendingMessages(olderThan, SWEEP_BATCH);
  if (pending.length === 0) return { requeued: 0 };
  await deps.queue.enqueue(pending.map(messageEventJob));
  deps.telemetry.metric('OutboxRequeued', pending.length);
  deps.telemetry.log('warn', 'outbox sweep re-enqueued messages whose side effects were pending', {
    count: pending.length,
  });
  return { requeued: pending.length };
}
