import { MemoryNotificationStore } from '../../shared/adapters/memory/memory-notifications.js';
import { NOTIFICATIONS_CLOCK, runNotificationContract } from './notifications.contract.js';

runNotificationContract('memory', () =>
  Promise.resolve({
    notifications: new MemoryNotificationStore(() => NOTIFICATIONS_CLOCK),
    cleanup: () => Promise.resolve(),
  }),
);
