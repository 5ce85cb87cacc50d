import { output } from '@azure/functions';

/** Hub names clients connect to. */
export const HUBS = { messaging: 'messaging', notifications: 'notifications' } as const;

/** App-setting NAME (not value) of the SignalR connection; identity-based form: `AzureSignalRConnectionString__serviceUri`. */
export const SIGNALR_CONNECTION_SETTING = 'AzureSignalRConnectionString';

/** Pushes from any function go through this output binding (one `set` per invocation: it overwrites). */
export const signalRMessagingOutput = output.generic({
  type: 'signalR',
  name: 'signalRMessages',
  hubName: HUBS.messaging,
  connectionStringSetting: SIGNALR_CONNECTION_SETTING,
});

export const signalRNotificationsOutput = output.generic({
  type: 'signalR',
  name: 'signalRNotifications',
  hubName: HUBS.notifications,
  connectionStringSetting: SIGNALR_CONNECTION_SETTING,
});
