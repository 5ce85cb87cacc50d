import { announceOfflineDue } from '../../shared/app/presence-grace.js';
import { timerJob } from '../../shared/runtime/queue-trigger.js';

// Every 5 s: contacts hear UserOffline for users gone longer than PRESENCE_OFFLINE_GRACE_SECONDS (a bounded batch).
timerJob('presence-offline-sweep', '*/5 * * * * *', async ({ runtime }) => {
  const { pushes } = await announceOfflineDue(runtime.deps);
  return { pushes };
});
