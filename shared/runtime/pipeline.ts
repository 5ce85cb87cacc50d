/**
 * The queue consumers of this process, and — until the durable broker of branch s9-queues is merged — the
 * in-process placeholder queue that runs them. At the merge the broker replaces `InProcessJobQueue` here and the
 * queue-triggered functions in functions/queues/ become the only runners.
 */
import { InProcessJobQueue } from '../adapters/memory/memory-queue.js';
import type { AppDeps } from '../app/deps.js';
import { type MessageEventConsumer, messageEventsConsumer } from '../app/message-events.js';
import { handlePushJob } from '../app/push-notifications.js';
import { MessageEventSchema, PushJobSchema } from '../domain/jobs.js';
import type { Telemetry } from '../ports/system.js';

export interface Consumers {
  messageEvents: MessageEventConsumer;
}

export const placeholderQueue = (telemetry: Telemetry): InProcessJobQueue => new InProcessJobQueue(telemetry);

/** Builds this process's consumers; with the placeholder queue, also makes it run them. */
export function buildConsumers(deps: AppDeps, placeholder?: InProcessJobQueue): Consumers {
  const messageEvents = messageEventsConsumer(deps);
  placeholder?.handle('message-events', async (body) => {
    const { pushes } = await messageEvents(MessageEventSchema.parse(body));
    // why: outside a function invocation there is no SignalR output binding; the notifications are stored and
    // listed, only their live copy waits for the queue-triggered function (functions/queues/message-events.ts)
    if (pushes.length > 0)
      deps.telemetry.log('debug', 'live pushes of a background job are delivered only by the queue trigger', {
        count: pushes.length,
      });
  });
  placeholder?.handle('push-notifications', async (body) => {
    await handlePushJob(deps, PushJobSchema.parse(body));
  });
  return { messageEvents };
}
