import type { AppDeps } from '../../shared/app/deps.js';
import { messageEventsConsumer } from '../../shared/app/message-events.js';
import { handlePushJob } from '../../shared/app/push-notifications.js';
import type { Push } from '../../shared/domain/events.js';
import { MessageEventSchema, PushJobSchema } from '../../shared/domain/jobs.js';
import type { RecordingQueue } from './queue.js';

/** Runs the message-events jobs waiting in the recording queue through a consumer; returns the pushes it made. */
export async function runMessageEvents(
  t: { deps: AppDeps; queue: RecordingQueue },
  consumer = messageEventsConsumer(t.deps),
): Promise<Push[]> {
  const pushes: Push[] = [];
  for (const job of t.queue.drain('message-events'))
    pushes.push(...(await consumer(MessageEventSchema.parse(job.body))).pushes);
  return pushes;
}

/** Runs the push-notifications jobs due at `now`; returns who was pushed. */
export async function runPushJobs(t: { deps: AppDeps; queue: RecordingQueue }, now: Date): Promise<string[]> {
  const sent: string[] = [];
  for (const job of t.queue.drain('push-notifications', now))
    sent.push(...(await handlePushJob(t.deps, PushJobSchema.parse(job.body))).sent);
  return sent;
}
