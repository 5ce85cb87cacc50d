import { retentionJobId } from '../../shared/domain/jobs.js';
import { timerJob } from '../../shared/runtime/queue-trigger.js';

// Every hour (at :17, off the busy top of the hour): one retention sweep request on the retention queue. The job id
// is the hour, so a second instance or a past-due catch-up in the same hour is a duplicate the queue drops.
timerJob('retention-timer', '0 17 * * * *', async ({ runtime }) => {
  const hour = runtime.deps.clock.now().toISOString().slice(0, 13);
  const job = { requestedAt: hour, round: 0 };
  await runtime.queue.enqueue([{ queue: 'retention', id: retentionJobId(job), body: job }]);
});
