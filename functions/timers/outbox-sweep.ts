import { sweepOutbox } from '../../shared/app/outbox-sweep.js';
import { timerJob } from '../../shared/runtime/queue-trigger.js';

// Every minute: re-enqueue the message-events job of messages whose side effects were never acknowledged.
timerJob('outbox-sweep', '0 */1 * * * *', async ({ runtime }) => {
  await sweepOutbox(runtime.deps);
});
