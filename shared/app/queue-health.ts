import type { QueueDepth, QueueProbe } from '../ports/queue.js';
import type { Telemetry } from '../ports/system.js';

/**
 * The queue-health probe: each queue's waiting and dead-lettered messages as metrics (alert on DeadLetteredMessages
 * > 0), and a warning naming the queues whose dead-letter queue is not empty (see `npm run dlq`).
 */
export async function reportQueueDepths(deps: { probe: QueueProbe; telemetry: Telemetry }): Promise<QueueDepth[]> {
  const depths = await deps.probe.depths();
  for (const d of depths) {
    deps.telemetry.metric('QueueDepth', d.active, { queue: d.queue });
    deps.telemetry.metric('DeadLetteredMessages', d.deadLettered, { queue: d.queue });
  }
  const dead = depths.filter((d) => d.deadLettered > 0);
  if (dead.length > 0)
    deps.telemetry.log('warn', 'dead-lettered messages are waiting; inspect them with npm run dlq -- peek <queue>', {
      queues: Object.fromEntries(dead.map((d) => [d.queue, `${d.deadLettered}${d.capped ? '+' : ''}`])),
    });
  return depths;
}
