import { type InvocationContext, output } from '@azure/functions';
import { toBindingItems } from '../adapters/signalr/binding-messages.js';
import { type DeliveryDeps, planDelivery } from '../app/delivery.js';
import type { Push } from '../domain/events.js';

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

/** Sets each hub's output once with that hub's items (`extraOutputs.set` overwrites, so never call it twice). */
export function setPushOutputs(context: InvocationContext, pushes: Push[]): void {
  const messaging = pushes.filter((p) => (p.hub ?? 'messaging') === 'messaging');
  const notifications = pushes.filter((p) => p.hub === 'notifications');
  if (messaging.length > 0) context.extraOutputs.set(signalRMessagingOutput, toBindingItems(messaging));
  if (notifications.length > 0) context.extraOutputs.set(signalRNotificationsOutput, toBindingItems(notifications));
}

/** Resolves who receives each event (shared/app/delivery.ts), then sets the outputs. */
export async function deliver(deps: DeliveryDeps, context: InvocationContext, pushes: Push[]): Promise<void> {
  if (pushes.length === 0) return;
  setPushOutputs(context, await planDelivery(deps, pushes));
}

/** Both outputs, for every function that may push. */
export const PUSH_OUTPUTS = [signalRMessagingOutput, signalRNotificationsOutput];
