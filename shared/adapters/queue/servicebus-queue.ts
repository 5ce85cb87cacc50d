import type { TokenCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import { type Job, QUEUE_NAMES, type QueueName } from '../../domain/queues.js';
import type { JobQueue, QueueDepth, QueueProbe } from '../../ports/queue.js';

/** A job as the Service Bus message the consumers' trigger receives (JSON body, MessageId = job id). */
export function toServiceBusMessage(job: Job): ServiceBusMessage {
  return {
    // why: the job id is deterministic, so a retried enqueue is caught by the queue's duplicate detection
    messageId: job.id,
    body: job.body,
    contentType: 'application/json',
    ...(job.correlationId !== undefined && { correlationId: job.correlationId }),
    ...(job.notBefore !== undefined && { scheduledEnqueueTimeUtc: job.notBefore }),
  };
}

/** The slice of the SDK this adapter uses (a fake in the unit tests). */
export type ServiceBusLike = Pick<ServiceBusClient, 'createSender' | 'createReceiver' | 'close'>;

const PEEK_PAGE = 100;

/**
 * QUEUE_MODE=servicebus: one sender per queue (kept open: AMQP links are costly to make), the jobs of one call
 * sent in as few batches as fit. Resolves once Service Bus has accepted every message.
 */
export class ServiceBusJobQueue implements JobQueue, QueueProbe {
  private readonly senders = new Map<QueueName, ServiceBusSender>();

  constructor(private readonly client: ServiceBusLike) {}

  static connect(fullyQualifiedNamespace: string, credential: TokenCredential): ServiceBusJobQueue {
    return new ServiceBusJobQueue(new ServiceBusClient(fullyQualifiedNamespace, credential));
  }

  private sender(queue: QueueName): ServiceBusSender {
    let s = this.senders.get(queue);
    if (!s) this.senders.set(queue, (s = this.client.createSender(queue)));
    return s;
  }

  async enqueue(jobs: Job[]): Promise<void> {
    const byQueue = new Map<QueueName, Job[]>();
    for (const j of jobs) byQueue.set(j.queue, [...(byQueue.get(j.queue) ?? []), j]);
    await Promise.all(
      [...byQueue].map(async ([queue, list]) => {
        const sender = this.sender(queue);
        let batch = await sender.createMessageBatch();
        for (const job of list) {
          const message = toServiceBusMessage(job);
          if (batch.tryAddMessage(message)) continue;
          if (batch.count === 0) throw new Error(`${queue}: job ${job.id} is larger than a Service Bus message may be`);
          await sender.sendMessages(batch);
          batch = await sender.createMessageBatch();
          if (!batch.tryAddMessage(message))
            throw new Error(`${queue}: job ${job.id} is larger than a Service Bus message may be`);
        }
        if (batch.count > 0) await sender.sendMessages(batch);
      }),
    );
  }

  /** Counts by peeking one page (Data Receiver may peek; exact counts need the Manage right, which the app lacks). */
  async depths(): Promise<QueueDepth[]> {
    const count = async (queue: QueueName, deadLetter: boolean) => {
      const r = this.client.createReceiver(queue, deadLetter ? { subQueueType: 'deadLetter' } : undefined);
      try {
        return (await r.peekMessages(PEEK_PAGE)).length;
      } finally {
        await r.close();
      }
    };
    return Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        const [active, deadLettered] = await Promise.all([count(queue, false), count(queue, true)]);
        return { queue, active, deadLettered, capped: active >= PEEK_PAGE || deadLettered >= PEEK_PAGE };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.close()));
    await this.client.close();
  }
}
