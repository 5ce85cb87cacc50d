// Queue consumers of the event pipeline. Provisional registrations with app.serviceBusQueue: the runtime wrapper of
// branch s9-queues (parse, retry, dead-letter telemetry) replaces them at the merge. A throw abandons the message, so
// Service Bus redelivers it (maxDeliveryCount, then the DLQ); every consumer is idempotent.
import { app, type InvocationContext } from '@azure/functions';
import { handlePushJob } from '../../shared/app/push-notifications.js';
import { MessageEventSchema, PushJobSchema } from '../../shared/domain/jobs.js';
import { deliver, PUSH_OUTPUTS } from '../../shared/runtime/bindings.js';
import { getRuntime } from '../../shared/runtime/container.js';

const CONNECTION = 'ServiceBusConnection';

app.serviceBusQueue('message-events', {
  connection: CONNECTION,
  queueName: 'message-events',
  extraOutputs: PUSH_OUTPUTS,
  handler: async (body: unknown, context: InvocationContext) => {
    const runtime = await getRuntime();
    const { pushes } = await runtime.consumers.messageEvents(MessageEventSchema.parse(body));
    await deliver(runtime.deps, context, pushes);
  },
});

app.serviceBusQueue('push-notifications', {
  connection: CONNECTION,
  queueName: 'push-notifications',
  handler: async (body: unknown) => {
    const runtime = await getRuntime();
    await handlePushJob(runtime.deps, PushJobSchema.parse(body));
  },
});
