import { EVENTS, type Outcome, type Push, toUsers } from '../domain/events.js';
import { PRESENCE_STATUSES, type PresenceInfo, type PresenceStatus } from '../ports/ephemeral.js';
import { requireConnection } from './access.js';
import { quietly } from './best-effort.js';
import { orUnavailable } from './degraded.js';
import { joinBigConversations } from './delivery.js';
import type { AppDeps, Caller } from './deps.js';
import { contactsOf, presenceVisibleTo } from './policy.js';
import { offlineAnnouncement, offlinePendingKeepSeconds } from './presence-grace.js';
import { admit } from './rate-policy.js';

/** The statuses a user may choose (offline = appear offline); re-exported so functions need not reach into ports. */
export { PRESENCE_STATUSES };

export type PresenceDeps = Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry' | 'presenceOfflineGraceSeconds'>;
export type RefreshDeps = Pick<AppDeps, 'ephemeral' | 'telemetry'>;

/** Activity on a realtime connection keeps it from expiring (presence TTL); HTTP calls have none to refresh. */
export async function refreshPresence(deps: RefreshDeps, caller: Caller): Promise<void> {
  const { connectionId } = caller;
  if (connectionId === undefined) return;
  await quietly(deps, 'presence', () => deps.ephemeral.touch(caller.userId, connectionId));
}

/**
 * The hub's Ping: proves the connection alive and refreshes presence. When the ephemeral state forgot the connection
 * (Redis restarted empty, or it expired), the heartbeat registers it again, so a live client shows online again.
 */
export async function ping(deps: RefreshDeps, caller: Caller): Promise<Outcome<'pong'>> {
  await refreshPresence(deps, caller);
  const { connectionId } = caller;
  if (connectionId !== undefined) {
    const live = await quietly(deps, 'presence', () => deps.ephemeral.hasConnection(caller.userId, connectionId));
    if (live === false) await quietly(deps, 'presence', () => deps.ephemeral.connect(caller.userId, connectionId));
  }
  return { result: 'pong', pushes: [] };
}

export async function connected(deps: PresenceDeps, caller: Caller): Promise<Push[]> {
  const connectionId = requireConnection(caller);
  const r = await quietly(deps, 'presence', () => deps.ephemeral.connect(caller.userId, connectionId));
  deps.telemetry.metric('ConnectionOpened', 1);
  const groups = await joinBigConversations(deps, caller, connectionId);
  if (!r?.firstConnection) return groups;
  // why: back within the offline grace, so contacts never heard they left; nothing to announce (or look up)
  if (deps.presenceOfflineGraceSeconds > 0) {
    const wasPending = await quietly(deps, 'presence', () => deps.ephemeral.clearOfflinePending(caller.userId));
    if (wasPending === true) {
      deps.telemetry.metric('PresenceFlapHidden', 1);
      return groups;
    }
  }
  // why: someone who chose to appear offline must not be announced when a device connects
  const me = (await quietly(deps, 'presence', () => deps.ephemeral.getPresence([caller.userId])))?.[caller.userId];
  if (me && !me.isOnline) return groups;
  const contacts = await contactsOf(deps, caller.userId);
  return contacts.length > 0
    ? [...groups, toUsers(contacts, EVENTS.userOnline, { userId: caller.userId, status: me?.status ?? 'online' })]
    : groups;
}

/**
 * The last connection going is announced after the offline grace, by the sweep (presence-grace.ts), so a reconnect
 * storm (network blip, deploy) costs contacts nothing. When the mark cannot be kept (Redis down), or the grace is 0,
 * contacts hear it at once.
 */
export async function disconnected(deps: PresenceDeps, caller: Caller): Promise<Push[]> {
  const connectionId = requireConnection(caller);
  const r = await quietly(deps, 'presence', () => deps.ephemeral.disconnect(caller.userId, connectionId));
  deps.telemetry.metric('ConnectionClosed', 1);
  if (!r?.lastConnection) return [];
  if (deps.presenceOfflineGraceSeconds > 0) {
    const marked = await quietly(deps, 'presence', async () => {
      await deps.ephemeral.markOfflinePending(caller.userId, offlinePendingKeepSeconds(deps));
      return true;
    });
    if (marked) return [];
  }
  return offlineAnnouncement(deps, caller.userId, r.lastSeen);
}

export async function updatePresence(
  deps: Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry' | 'limits'>,
  caller: Caller,
  status: PresenceStatus,
  statusMessage: string | null,
): Promise<Outcome<PresenceInfo>> {
  await admit(deps, 'presence', caller.userId);
  const info = await orUnavailable(deps, 'presence', () =>
    deps.ephemeral.setStatus(caller.userId, status, statusMessage),
  );
  const contacts = await contactsOf(deps, caller.userId);
  const pushes =
    contacts.length === 0
      ? []
      : [
          info.isOnline
            ? toUsers(contacts, EVENTS.userOnline, {
                userId: caller.userId,
                status: info.status,
                statusMessage: info.statusMessage,
              })
            : toUsers(contacts, EVENTS.userOffline, { userId: caller.userId, lastSeen: info.lastSeen }),
        ];
  return { result: info, pushes };
}

/**
 * Presence of users who share a conversation with the caller (and the caller's own). Anyone else reads as offline,
 * never seen, exactly like an id nobody uses, so the answer reveals neither presence nor existence.
 */
export async function getPresence(
  deps: Pick<AppDeps, 'store' | 'ephemeral' | 'telemetry'>,
  caller: Caller,
  userIds: string[],
): Promise<Record<string, PresenceInfo>> {
  const asked = [...new Set(userIds)];
  const visible = await presenceVisibleTo(deps, caller, asked);
  const known =
    visible.size === 0 ? {} : await orUnavailable(deps, 'presence', () => deps.ephemeral.getPresence([...visible]));
  return Object.fromEntries(asked.map((userId) => [userId, known[userId] ?? unknownPresence(userId)]));
}

const unknownPresence = (userId: string): PresenceInfo => ({
  userId,
  status: 'offline',
  statusMessage: null,
  isOnline: false,
  lastSeen: null,
  connections: 0,
});
