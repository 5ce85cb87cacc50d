import { reportQueueDepths } from '../../shared/app/queue-health.js';
import { timerJob } from '../../shared/runtime/queue-trigger.js';

// Every five minutes: depth and dead letters per queue, as metrics and a warning (peeking needs only Data Receiver).
timerJob('queue-health', '0 */5 * * * *', async ({ runtime }) => {
  await reportQueueDepths({ probe: runtime.queue, telemetry: runtime.deps.telemetry });
});
