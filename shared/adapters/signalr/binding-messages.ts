import type { Push } from '../../domain/events.js';

/** One item of the Functions `signalR` output binding: a message or a group action. */
export type SignalRBindingItem =
  | { target: string; arguments: unknown[]; userId?: string; groupName?: string; connectionId?: string }
  | { action: 'add' | 'remove'; groupName: string; userId?: string; connectionId?: string };

/** Pushes → output-binding items, in order (group changes stay before the sends that rely on them). */
export function toBindingItems(pushes: Push[]): SignalRBindingItem[] {
  return pushes.flatMap((p): SignalRBindingItem[] => {
    if (p.kind === 'group') {
      return [
        {
          action: p.action,
          groupName: p.group,
          ...(p.connectionId !== undefined ? { connectionId: p.connectionId } : { userId: p.userId }),
        },
      ];
    }
    const base = { target: p.target, arguments: [p.payload] };
    if ('group' in p.to) return [{ ...base, groupName: p.to.group }];
    if ('connection' in p.to) return [{ ...base, connectionId: p.to.connection }];
    return [...new Set(p.to.users)].map((userId) => ({ ...base, userId }));
  });
}
