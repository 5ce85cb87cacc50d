// Every minute: re-enqueue the message-events job of messages whose side effects were never acknowledged.
import { app } from '@azure/functions';
import { sweepOutbox } from '../../shared/app/outbox-sweep.js';
import { getRuntime } from '../../shared/runtime/container.js';

app.timer('outbox-sweep', {
  schedule: '0 */1 * * * *',
  handler: async () => {
    const runtime = await getRuntime();
    await sweepOutbox(runtime.deps);
  },
});
