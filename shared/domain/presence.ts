export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export function isPresenceStatus(s: unknown): s is PresenceStatus {
  return typeof s === 'string' && (PRESENCE_STATUSES as readonly string[]).includes(s);
}

/** What others see of a user's presence. */
export interface VisiblePresence {
  status: PresenceStatus;
  isOnline: boolean;
  connections: number;
}

/**
 * The presence others see, from the status the user chose (null: never chose, i.e. online) and their live
 * connections. A chosen status shows while at least one connection is live; "offline" means appear offline: shown
 * offline with no connections even while connected, since a count would give it away.
 */
export function visiblePresence(chosen: PresenceStatus | null, liveConnections: number): VisiblePresence {
  const status = chosen ?? 'online';
  const appearsOffline = status === 'offline';
  const isOnline = liveConnections > 0 && !appearsOffline;
  return {
    status: isOnline ? status : 'offline',
    isOnline,
    connections: appearsOffline ? 0 : liveConnections,
  };
}
