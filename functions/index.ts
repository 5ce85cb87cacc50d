// The one entry the Functions host loads (package.json "main"): app-wide setup, then every registration.
import { getSettings } from '../shared/runtime/container.js';
import './http/conversations.js';
import './http/messages.js';
import './http/me.js';
import './http/system.js';
import './http/realtime.js';
import './http/notifications.js';
import './http/devices.js';
import './http/attachments.js';
import './queues/message-events.js';
import './queues/booking-events.js';
import './http/templates.js';
import './http/booking.js';
import './timers/outbox-sweep.js';
import './timers/attachments-sweep.js';
import './timers/retention.js';
import './timers/presence-offline.js';
import './queues/retention.js';
import './hub/messaging.js';
import './hub/notifications.js';
import './hub/listo.js';
import './hub/spec.js';
import './http/contracts.js';
import './http/settings.js';
import './queues/queue-health.js';
import './http/translation.js';
import './queues/content.js';

// why: a missing or malformed setting must stop start-up with its name, not fail the first request; the runtime
// reuses what is parsed here
getSettings();
