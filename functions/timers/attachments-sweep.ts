import { sweepAttachments } from '../../shared/app/attachments-lifecycle.js';
import { timerJob } from '../../shared/runtime/queue-trigger.js';

// Every 15 minutes: remove uploads never attached within 24 h, and ask the malware scanner again about pending ones.
timerJob('attachments-sweep', '0 */15 * * * *', async ({ runtime }) => {
  await sweepAttachments(runtime.deps);
});
