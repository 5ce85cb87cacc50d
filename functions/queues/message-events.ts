// Queue consumers of the send pipeline, through the runtime wrapper (parse, abandon on a throw → redelivery, then
// the DLQ after the queue's maxDeliveryCount). Every consumer is idempotent.
import { handlePushJob } from '../../shared/app/push-notifications.js';
import { MessageEventSchema, PushJobSchema } from '../../shared/domain/jobs.js';
import { queueConsumer } from '../../shared/runtime/queue-trigger.js';

// Inbox fan-out, mention notifications (their live copies go out as the wrapper's pushes, planned by planDelivery),
// push-notification jobs. Its follow-on jobs are enqueued inside, before the outbox marker is cleared.
queueConsumer('message-events', { queue: 'message-events', body: MessageEventSchema }, async ({ body, runtime }) => {
  const { pushes } = await runtime.messageEvents(body);
  return { pushes };
});

// Push notifications to devices (mute, level, blocks, preferences, delivered receipts are checked here).
queueConsumer('push-notifications', { queue: 'push-notifications', body: PushJobSchema }, async ({ body, runtime }) => {
  await handlePushJob(runtime.deps, body);
  return undefined;
});
