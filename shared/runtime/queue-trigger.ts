import { app, type InvocationContext, type Timer } from '@azure/functions';
import type { z } from 'zod';
import type { Push } from '../domain/events.js';
import type { Job, QueueName } from '../domain/queues.js';
import { PUSH_OUTPUTS } from './bindings.js';
import { getRuntime, type Runtime } from './container.js';
import { deliver } from './delivery.js';
import { describeZodError } from './validation.js';

/** App-setting NAME of the Service Bus connection; on Azure its identity form `ServiceBusConnection__fullyQualifiedNamespace`. */
export const SERVICE_BUS_CONNECTION = 'ServiceBusConnection';

export interface QueueCall<T> {
  body: T;
  runtime: Runtime;
  context: InvocationContext;
  /** The message's CorrelationId (the enqueuing request's), else its MessageId. */
  correlationId: string;
  messageId: string;
  /** 1 on the first delivery; the broker dead-letters after the queue's maxDeliveryCount. */
  deliveryCount: number;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, props?: Record<string, unknown>): void;
}

/** What a consumer hands back: follow-on jobs (enqueued first: durable) and realtime pushes. */
export interface QueueOutcome {
  jobs?: Job[];
  pushes?: Push[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Registers a queue-triggered function: parse the body, run one use case, then enqueue its jobs and push its events.
 * A throw (including a body that does not parse) abandons the message: the broker redelivers it and dead-letters it
 * after the queue's maxDeliveryCount, so nothing accepted is dropped. Consumers must be idempotent.
 */
export function queueConsumer<T>(
  name: string,
  spec: { queue: QueueName; body: z.ZodType<T> },
  run: (call: QueueCall<T>) => Promise<QueueOutcome | undefined>,
): void {
  app.serviceBusQueue(name, {
    connection: SERVICE_BUS_CONNECTION,
    queueName: spec.queue,
    extraOutputs: PUSH_OUTPUTS,
    handler: async (message, context) => {
      const meta = context.triggerMetadata ?? {};
      const messageId = text(meta.messageId) ?? context.invocationId;
      const correlationId = text(meta.correlationId) ?? messageId;
      const deliveryCount = Number(meta.deliveryCount ?? 1);
      const runtime = await getRuntime();
      const log: QueueCall<T>['log'] = (level, m, props) =>
        runtime.deps.telemetry.log(level, m, { ...props, function: name, queue: spec.queue, messageId, correlationId });
      const parsed = spec.body.safeParse(message);
      if (!parsed.success) {
        const detail = describeZodError(parsed.error, 'body').detail;
        log('error', 'queue message does not match its schema; it will be dead-lettered', { detail, deliveryCount });
        throw new Error(`${spec.queue} message ${messageId}: ${detail}`);
      }
      try {
        const outcome = await run({
          body: parsed.data,
          runtime,
          context,
          correlationId,
          messageId,
          deliveryCount,
          log,
        });
        if (outcome?.jobs?.length) await runtime.queue.enqueue(outcome.jobs.map((j) => ({ correlationId, ...j })));
        if (outcome?.pushes?.length) await deliver(context, runtime, outcome.pushes);
      } catch (e) {
        log('warn', 'queue message failed; abandoned for redelivery', {
          deliveryCount,
          error: e instanceof Error ? e.message : String(e),
        });
        throw e;
      }
    },
  });
}

export interface TimerCall {
  runtime: Runtime;
  context: InvocationContext;
  /** The host missed the scheduled time (e.g. the app was down); work should catch up, not assume one period. */
  isPastDue: boolean;
}

/** What a timer job may hand back: realtime pushes (e.g. presence announcements), sent through the output bindings. */
export interface TimerOutcome {
  pushes?: Push[];
}

/**
 * Registers a timer-triggered function on an NCRONTAB schedule (six fields, seconds first, UTC), e.g.
 * `0 *\/5 * * * *` every five minutes. Only one instance runs a timer at a time on Azure (a blob lease).
 */
export function timerJob(
  name: string,
  schedule: string,
  work: (call: TimerCall) => Promise<TimerOutcome | undefined | void>,
): void {
  app.timer(name, {
    schedule,
    extraOutputs: PUSH_OUTPUTS,
    handler: async (timer: Timer, context) => {
      const runtime = await getRuntime();
      try {
        const outcome = await work({ runtime, context, isPastDue: timer.isPastDue });
        if (outcome?.pushes?.length) await deliver(context, runtime, outcome.pushes);
      } catch (e) {
        runtime.deps.telemetry.log('error', 'timer job failed', {
          function: name,
          error: e instanceof Error ? e.message : String(e),
        });
        throw e;
      }
    },
  });
}
