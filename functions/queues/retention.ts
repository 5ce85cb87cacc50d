// The retention sweep, one bounded run per message; a run that stops at its bound chains the next round.
import { sweepRetention } from '../../shared/app/retention.js';
import { RETENTION_ROUNDS_MAX, RetentionJobSchema, retentionJobId } from '../../shared/domain/jobs.js';
import { queueConsumer } from '../../shared/runtime/queue-trigger.js';

queueConsumer('retention', { queue: 'retention', body: RetentionJobSchema }, async ({ body, runtime }) => {
  const report = await sweepRetention(runtime.deps);
  if (!report.more || body.round + 1 >= RETENTION_ROUNDS_MAX) return undefined;
  const next = { requestedAt: body.requestedAt, round: body.round + 1 };
  return { jobs: [{ queue: 'retention', id: retentionJobId(next), body: next }] };
});
