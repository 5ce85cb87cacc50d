import { output } from '@azure/functions';
import { DIALECT_HUBS } from '../contracts/dialects.js';

/** Hub names clients connect to. */
export const HUBS = { messaging: 'messaging', notifications: 'notifications' } as const;

/** App-setting NAME (not value) of the SignalR connection; identity-based form: `AzureSignalRConnectionString__serviceUri`. */
export const SIGNALR_CONNECTION_SETTING = 'AzureSignalRConnectionString';

// why: the native hubs keep their binding names; the dialect hubs' are derived from the hub name
const OUTPUT_NAMES: Record<string, string> = { messaging: 'signalRMessages', notifications: 'signalRNotifications' };

/** One `signalR` output per hub of every dialect (an unset output costs nothing; `set` overwrites, so one per call). */
export const HUB_OUTPUTS = new Map(
  DIALECT_HUBS.map((h) => [
    h.hub,
    output.generic({
      type: 'signalR',
      name: OUTPUT_NAMES[h.hub] ?? `signalR_${h.hub}`,
      hubName: h.hub,
      connectionStringSetting: SIGNALR_CONNECTION_SETTING,
    }),
  ]),
);

/** Every output, for every function that may push. */
export const PUSH_OUTPUTS = [...HUB_OUTPUTS.values()];
